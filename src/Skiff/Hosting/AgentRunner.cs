using k8s;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Certificates;
using Skiff.Containerd;
using Skiff.Containerd.Registries;
using Skiff.Images;
using Skiff.Kubelet;

namespace Skiff.Hosting;

/// <summary>
/// Runs one node: the embedded containerd (unless an endpoint was given), the local images, then the kubelet,
/// which talks to the API server only through its kubeconfig, like any other client. In <c>skiff server</c> the
/// kubelet shares the server's <see cref="ComponentContext"/> (one watch per kind per process); <c>skiff agent</c>
/// builds its own from the kubeconfig.
/// </summary>
internal static class AgentRunner
{
    public static async Task RunAsync(
        AgentSettings settings,
        string kubeconfigPath,
        string agentDirectory,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken,
        System.Security.Cryptography.X509Certificates.X509Certificate2? servingCertificate = null,
        ComponentContext? sharedContext = null)
    {
        var logger = loggerFactory.CreateLogger("Skiff.Agent");
        Directory.CreateDirectory(agentDirectory);

        ContainerdInstance? containerd = null;
        var endpoint = settings.RuntimeEndpoint;
        if (endpoint is null)
        {
            containerd = await ContainerdHost.StartAsync(
                new ContainerdOptions
                {
                    StateDir = Path.Combine(agentDirectory, "containerd"),
                    BridgeName = settings.BridgeName,
                    Subnet = settings.PodCidr ?? ContainerdOptions.DefaultSubnet,
                    DeferPodNetwork = settings.PodCidr is null,
                    PodMtu = await PodMtuAsync(settings, logger, cancellationToken),
                    StreamPort = settings.StreamPort,
                    Registries = await RegistriesFile.LoadAsync(RegistriesPath(agentDirectory), cancellationToken),
                },
                loggerFactory.CreateLogger("Skiff.Containerd"),
                cancellationToken);
            endpoint = containerd.SocketPath;
        }

        try
        {
            if (settings.EnsureImages)
            {
                var progress = new Progress<string>(line => logger.LogInformation("images: {Line}", line));
                await ImageBuilder.EnsureImagesAsync(
                    new ImageBuildOptions { CacheDir = Path.Combine(Path.GetDirectoryName(agentDirectory)!, "images"), ContainerdAddress = endpoint },
                    progress,
                    cancellationToken);
            }

            await ImportAirGapImagesAsync(agentDirectory, endpoint, logger, cancellationToken);

            var options = new KubeletOptions
            {
                NodeName = settings.NodeName,
                RootDir = Path.Combine(agentDirectory, "kubelet"),
                PodLogsDir = Path.Combine(agentDirectory, "logs", "pods"),
                RuntimeEndpoint = endpoint,
                // The embedded containerd keeps images and layers under its own root: that is the node's imagefs.
                ImageFsPath = containerd?.Options.RootDir,
                PodCidr = settings.PodCidr,
                PodManifestPath = settings.PodManifestPath ?? Path.Combine(agentDirectory, "pod-manifests"),
                KubeletPort = settings.KubeletPort,
                NodeIp = settings.NodeIp,
                ServingCertificate = servingCertificate,
                ClusterDomain = settings.ClusterDomain,
                UsePresentImageForPullAlways = settings.OfflineImages,
            };
            options.ClusterDns.Add((settings.ClusterDns ?? ClusterDnsAddress.Of(settings.ServiceCidr)).ToString());
            Directory.CreateDirectory(options.PodManifestPath);
            var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
            // The kubelet's HTTPS server trusts the cluster CA, which signs the API server's client certificate.
            options.ClientCaCertificate = config.SslCaCerts?.Cast<System.Security.Cryptography.X509Certificates.X509Certificate2>().FirstOrDefault();
            logger.LogInformation("Starting the kubelet for node {Node} on {Endpoint}", settings.NodeName, endpoint);
            if (sharedContext is not null)
            {
                await RunNodeAsync(settings, options, containerd, sharedContext, cancellationToken);
            }
            else
            {
                var clientCertificate = settings.RotateCertificates ? RotatingClientCertificate.TakeFrom(config) : null;
                using var api = ApiClients.FromConfiguration(config, clientCertificate);
                var context = ComponentContext.Create(api, TimeProvider.System, loggerFactory);
                using var stopSidecars = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var dns = settings.RunClusterDns ? RunNodeLocalDnsAsync(settings, context, stopSidecars.Token) : Task.CompletedTask;
                var rotation = clientCertificate is null
                    ? Task.CompletedTask
                    : RunCertificateRotationAsync(settings.NodeName, kubeconfigPath, config, clientCertificate, api, loggerFactory, stopSidecars.Token);
                try
                {
                    await RunNodeAsync(settings, options, containerd, context, cancellationToken);
                }
                finally
                {
                    await stopSidecars.CancelAsync();
                    await dns;
                    await rotation;
                    await context.DisposeAsync();
                }
            }
        }
        finally
        {
            if (containerd is not null)
            {
                await containerd.DisposeAsync();
            }
        }
    }

    /// <summary>The kubelet and, once the node's pod subnet is known, its pod network (the embedded containerd's CNI
    /// bridge) and the node's service proxy, side by side.</summary>
    private static async Task RunNodeAsync(AgentSettings settings, KubeletOptions options, ContainerdInstance? containerd, ComponentContext context, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var network = RunPodNetworkAsync(settings, containerd, context, stop.Token);
        try
        {
            await KubeletHost.RunAsync(options, context, cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            await network;
        }
    }

    /// <summary>Waits for the node's <c>spec.podCIDR</c> (the kubelet registers the node, the node IPAM controller
    /// gives it a range; a <c>--pod-cidr</c> is on the node from registration), gives the embedded containerd its
    /// pod network on it, then runs the service proxy with the node's NetworkPolicy chains. A failure is logged and leaves the kubelet running.</summary>
    private static async Task RunPodNetworkAsync(AgentSettings settings, ContainerdInstance? containerd, ComponentContext context, CancellationToken cancellationToken)
    {
        var logger = context.Loggers.CreateLogger("Skiff.Agent");
        string podCidr;
        try
        {
            var nodes = context.Informers.Get<k8s.Models.V1Node>(Kubelet.Nodes.NodeAgent.ForNode(settings.NodeName));
            podCidr = settings.PodCidr ?? await Kubelet.Nodes.NodePodCidr.WaitAsync(nodes, settings.NodeName, cancellationToken);
            if (containerd is { Options.DeferPodNetwork: true })
            {
                await containerd.ConfigurePodNetworkAsync(podCidr, cancellationToken);
                logger.LogInformation("node {Node}: pod network {Cidr} on bridge {Bridge}", settings.NodeName, podCidr, settings.BridgeName);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "the pod network of node {Node} could not be set up; pods on it get no address", settings.NodeName);
            return;
        }

        var routes = settings.DisablePodRoutes ? Task.CompletedTask : RunRoutesAsync(settings.NodeName, settings.PodNetworkBackend, context, cancellationToken);
        if (settings.DisableServiceProxy)
        {
            await routes;
            return;
        }

        var proxyOptions = new Networking.Proxy.ServiceProxyOptions
        {
            NodeName = settings.NodeName,
            PodCidr = podCidr,
            ClusterCidr = settings.ClusterCidr,
            ServiceCidr = settings.ServiceCidr,
            Table = Networking.Proxy.ServiceProxyOptions.TableFor(settings.NodeName),
            BridgeName = settings.RuntimeEndpoint is null ? settings.BridgeName : null,
        };
        // NetworkPolicy (kube-router's role) lives in the proxy's table: the proxy is the one owner of its nftables state.
        IReadOnlyList<Networking.Proxy.IProxyTableContributor> contributors = settings.DisableNetworkPolicy
            ? []
            : [new Networking.NetworkPolicy.NetworkPolicyEnforcer(settings.NodeName, context)];
        await RunProxyAsync(proxyOptions, contributors, context, cancellationToken);
        await routes;
    }

    /// <summary>host-gw routes and/or the VXLAN overlay to the other nodes' pod ranges; a failure (no <c>ip</c> command,
    /// say) is logged and leaves the node running: only pods on other nodes are out of reach.</summary>
    private static async Task RunRoutesAsync(string nodeName, Networking.Routes.PodNetworkBackend backend, ComponentContext context, CancellationToken cancellationToken)
    {
        try
        {
            await Networking.Routes.NodeRoutesController.RunAsync(nodeName, new Networking.Routes.IpRouteTable(), backend, new Networking.Overlay.IpVxlanTable(), context, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.Loggers.CreateLogger("Skiff.Networking.Routes").LogError(e, "the pod routes of node {Node} stopped; pods on other nodes may be out of reach", nodeName);
        }
    }

    /// <summary>The pods' MTU for this node's backend and link (see <see cref="Networking.Overlay.PodMtu"/>); null, and
    /// the CNI default, when routes are off or the link cannot be read.</summary>
    private static async Task<int?> PodMtuAsync(AgentSettings settings, ILogger logger, CancellationToken cancellationToken)
    {
        if (settings.DisablePodRoutes || !System.Net.IPAddress.TryParse(settings.NodeIp, out var nodeIp))
        {
            return null;
        }

        try
        {
            var mtu = await Networking.Overlay.PodMtu.DetectAsync(settings.PodNetworkBackend, nodeIp, cancellationToken);
            logger.LogInformation("node {Node}: pod MTU {Mtu}", settings.NodeName, mtu?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default");
            return mtu;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            logger.LogWarning(e, "the MTU of node address {Ip}'s link could not be read; pods keep the CNI default", nodeIp);
            return null;
        }
    }

    /// <summary>Cluster DNS on this node (see <see cref="Networking.Dns.NodeLocalDns"/>); a failure is logged and
    /// leaves the node running: only this node's pods lose name resolution.</summary>
    private static async Task RunNodeLocalDnsAsync(AgentSettings settings, ComponentContext context, CancellationToken cancellationToken)
    {
        try
        {
            var listen = new System.Net.IPEndPoint(settings.ClusterDns ?? ClusterDnsAddress.Of(settings.ServiceCidr), 53);
            await Networking.Dns.NodeLocalDns.RunAsync(new Networking.Dns.ClusterDnsOptions { Zone = settings.ClusterDomain }, listen, context, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.Loggers.CreateLogger("Skiff.Networking.Dns").LogError(e, "cluster DNS of node {Node} stopped; its pods cannot resolve names", settings.NodeName);
        }
    }

    /// <summary>Renews the node's client certificate before it expires and rewrites the kubeconfig with it, so that
    /// a restart starts from the newest one. A failure is logged: the node runs on until the certificate expires.</summary>
    private static async Task RunCertificateRotationAsync(
        string nodeName, string kubeconfigPath, KubernetesClientConfiguration config, RotatingClientCertificate certificate, IApiClient api, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var server = config.Host.TrimEnd('/');
        var caPem = config.SslCaCerts?.Cast<System.Security.Cryptography.X509Certificates.X509Certificate2>().FirstOrDefault()?.ExportCertificatePem() ?? string.Empty;
        var logger = loggerFactory.CreateLogger("Skiff.Kubelet.Certificates");
        var manager = new CertificateManager(
            api,
            certificate,
            CertificateTemplate.KubeletClient(nodeName),
            (certificatePem, keyPem, ct) => ApiServer.Security.KubeconfigWriter.WriteAsync(kubeconfigPath, ApiServer.Security.KubeconfigWriter.Render(server, caPem, certificatePem, keyPem), ct),
            TimeProvider.System,
            logger);
        try
        {
            await manager.RunAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "the client certificate of node {Node} is no longer renewed; the node loses the API when it expires", nodeName);
        }
    }

    /// <summary>The service proxy; a failure (no nft on the machine, say) is logged and leaves the kubelet running:
    /// pods still run, only Service addresses do not answer on this node.</summary>
    private static async Task RunProxyAsync(
        Networking.Proxy.ServiceProxyOptions options, IReadOnlyList<Networking.Proxy.IProxyTableContributor> contributors, ComponentContext context, CancellationToken cancellationToken)
    {
        try
        {
            await Networking.Proxy.ServiceProxy.RunAsync(options, context, contributors, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.Loggers.CreateLogger("Skiff.ServiceProxy").LogError(e, "the service proxy of node {Node} stopped; Services do not answer on this node", options.NodeName);
        }
    }
    /// <summary>k3s's registries.yaml, beside the agent's folder: <c>&lt;data-dir&gt;/registries.yaml</c>.</summary>
    internal static string RegistriesPath(string agentDirectory) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(agentDirectory))!, "registries.yaml");

    /// <summary>k3s's air-gap folder: every archive in &lt;agent-dir&gt;/images is imported before the kubelet starts.</summary>
    private static async Task ImportAirGapImagesAsync(string agentDirectory, string endpoint, ILogger logger, CancellationToken cancellationToken)
    {
        var importer = new ImageImporter(new ContainerdImageStore("ctr", endpoint, WellKnownImages.CriNamespace), TimeProvider.System);
        var progress = new Progress<string>(line => logger.LogInformation("images: {Line}", line));
        await AirGapImages.ImportAllAsync(NodeImagePaths.AirGapFolder(agentDirectory), importer, progress, cancellationToken);
    }
}
