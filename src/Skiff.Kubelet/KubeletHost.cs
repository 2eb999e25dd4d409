using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Cri;
using Skiff.Kubelet.Nodes;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet;

/// <summary>
/// The kubelet's entry point: registers the node, keeps its status and Lease fresh, runs the pods bound to it (and
/// the static pods of the manifest directory) through CRI, and reports their status. Runs until cancelled; on
/// cancellation the pods keep running and a new kubelet adopts them.
/// </summary>
public static class KubeletHost
{
    /// <summary>Runs a kubelet against the API server of <paramref name="context"/> (its API for writes, its shared
    /// informers for pods, ConfigMaps, Secrets and the Node, its event broadcaster) and the CRI runtime at
    /// <see cref="KubeletOptions.RuntimeEndpoint"/>.</summary>
    public static async Task RunAsync(KubeletOptions options, ComponentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        var loggerFactory = context.Loggers;
        using var cri = CriConnection.Open(options.RuntimeEndpoint);
        var runtime = new GrpcRuntimeService(cri.Runtime);
        var metrics = new Observability.KubeletMetrics(runtime);
        await using var server = await StartServerAsync(options, cri, metrics, new Server.Auth.ApiKubeletReviews(context.Api), loggerFactory, cancellationToken);
        await RunAsync(options, context, runtime, new GrpcImageService(cri.Images), cancellationToken, metrics);
    }

    /// <summary>
    /// The kubelet's HTTPS server (logs, exec, attach, port-forward for the API server to proxy), bound to the node's
    /// address, authenticating client certificates of <see cref="KubeletOptions.ClientCaCertificate"/> and bearer
    /// tokens through TokenReview, and authorizing every request through SubjectAccessReview (upstream's webhook mode).
    /// </summary>
    private static async Task<IAsyncDisposable> StartServerAsync(
        KubeletOptions options, CriConnection cri, Observability.KubeletMetrics metrics, Server.Auth.IKubeletReviews reviews, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        if (options.KubeletPort == 0)
        {
            return new NoServer();
        }

        var address = System.Net.IPAddress.Parse(string.IsNullOrEmpty(options.NodeIp) ? "127.0.0.1" : options.NodeIp);
        return await Server.KubeletServer.StartAsync(
            new Server.KubeletServerOptions
            {
                BindAddress = address,
                Port = options.KubeletPort,
                ServingCertificate = options.ServingCertificate ?? Server.KubeletServingCertificate.CreateSelfSigned(options.EffectiveNodeName, [address], TimeProvider.System),
                ClientCa = options.ClientCaCertificate,
                Reviews = reviews,
                PodLogsDirectory = options.PodLogsDir,
                Metrics = metrics,
                NodeName = options.EffectiveNodeName,
                RootDirectory = options.RootDir,
            },
            cri.Runtime,
            loggerFactory.CreateLogger("Skiff.Kubelet.Server"),
            cancellationToken);
    }

    /// <summary>Runs a kubelet over the given API and runtime seams (tests pass fakes here).</summary>
    public static async Task RunAsync(
        KubeletOptions options,
        ComponentContext context,
        IRuntimeService runtime,
        IImageService images,
        CancellationToken cancellationToken,
        Observability.KubeletMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        var (api, time, loggerFactory) = (context.Api, context.Time, context.Loggers);
        var logger = loggerFactory.CreateLogger(typeof(KubeletHost));
        var nodeName = options.EffectiveNodeName;
        Directory.CreateDirectory(options.RootDir);
        Directory.CreateDirectory(options.PodLogsDir);
        var host = HostInfo.Detect(options.RootDir, options.NodeIp);
        var pressure = new NodePressureMonitor(
            new HostResourceSource(options.RootDir, options.ImageFsPath ?? options.RootDir), options.EvictionHard, time);
        // One watch each per process: the pods bound to this node and its Node (ConfigMaps and Secrets are fetched by name).
        var podInformer = context.Informers.Get<V1Pod>(PodSource.ForNode(nodeName));
        var nodeInformer = context.Informers.Get<V1Node>(NodeAgent.ForNode(nodeName));
        var recorder = context.Events.NewRecorder("kubelet", nodeName);
        var nodeAgent = new NodeAgent(
            api, nodeInformer.Cache, recorder, runtime, new NodeStatusBuilder(options, host, pressure, time), options, time, loggerFactory.CreateLogger<NodeAgent>());
        await nodeAgent.RegisterAsync(cancellationToken);

        using var probeHttp = new HttpClient(new SocketsHttpHandler
        {
            // Kubernetes' HTTPS probes do not verify the pod's certificate.
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            UseProxy = false,
        });
        var node = new NodeFacts(nodeName, host.InternalIp, host.CpuCount, host.MemoryBytes);
        var prober = new Prober(runtime, probeHttp, loggerFactory.CreateLogger<Prober>());
        var deps = new PodSyncDependencies(options, node, runtime, images, api, context.Informers, recorder, prober, time, loggerFactory) { Metrics = metrics };
        var statusManager = new StatusManager(api, loggerFactory.CreateLogger<StatusManager>());
        await using var workers = new PodWorkers(deps, statusManager);
        var podSource = new PodSource(workers);
        podSource.Attach(podInformer);
        context.Informers.Start(cancellationToken);
        var staticPods = string.IsNullOrEmpty(options.PodManifestPath)
            ? null
            : new StaticPodSource(options, api, workers, statusManager, () => nodeAgent.NodeUid, time,
                loggerFactory.CreateLogger<StaticPodSource>());
        var orphans = new OrphanCollector(
            runtime, deps.Terminator, workers.IsKnown, nodeName, loggerFactory.CreateLogger<OrphanCollector>());

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = new List<Task>
        {
            nodeAgent.RunAsync(stop.Token),
            statusManager.RunAsync(stop.Token),
            CollectOrphansAsync(podSource, staticPods, orphans, options, time, logger, stop.Token),
        };
        if (staticPods is not null)
        {
            loops.Add(staticPods.RunAsync(stop.Token));
        }

        logger.LogInformation("kubelet for node {Node} is running (runtime {Endpoint})", nodeName, options.RuntimeEndpoint);
        var first = await Task.WhenAny(loops);
        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        // A loop that ended on its own (not by cancellation) is a bug worth surfacing.
        if (!cancellationToken.IsCancellationRequested)
        {
            await first;
        }
    }

    private static async Task CollectOrphansAsync(
        PodSource podSource,
        StaticPodSource? staticPods,
        OrphanCollector orphans,
        KubeletOptions options,
        TimeProvider time,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        // Only after the first list: before it, every running pod would look orphaned.
        await podSource.WaitForSyncAsync(cancellationToken);
        if (staticPods is not null)
        {
            await staticPods.ScanAsync(cancellationToken);
        }

        using var timer = new PeriodicTimer(options.OrphanCleanupInterval, time);
        do
        {
            try
            {
                await orphans.CollectAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A runtime call cut short by shutdown fails with its own error (an RpcException "Cancelled"): not news.
                if (!cancellationToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "removing orphaned pods failed");
                }
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    private sealed class NoServer : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
