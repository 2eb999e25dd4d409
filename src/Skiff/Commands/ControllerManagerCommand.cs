using System.CommandLine;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Controllers;
using Skiff.Hosting;

namespace Skiff.Commands;

/// <summary><c>skiff controller-manager --kubeconfig F</c>: the controllers alone against a cluster, leader-elected
/// on Lease kube-system/kube-controller-manager with the managers inside <c>skiff server</c> processes.</summary>
internal static class ControllerManagerCommand
{
    public static Command Create()
    {
        var kubeconfig = new Option<string>("--kubeconfig") { Description = "Kubeconfig of the cluster to manage.", Required = true };
        var workers = new Option<int>("--concurrent-syncs") { Description = "Workers per controller.", DefaultValueFactory = _ => 5 };
        var rootCaFile = new Option<string?>("--root-ca-file") { Description = "CA bundle published as ConfigMap kube-root-ca.crt in every namespace (default: the kubeconfig's CA)." };
        var gracePeriod = new Option<TimeSpan>("--node-monitor-grace-period") { Description = "How long a node's Lease may go unrenewed before the node is marked Unknown (h:mm:ss).", DefaultValueFactory = _ => TimeSpan.FromSeconds(50) };
        var signingCert = new Option<string?>("--cluster-signing-cert-file") { Description = "PEM CA certificate the csrsigning controller issues certificates with (with --cluster-signing-key-file; unset: CSRs are not signed)." };
        var signingKey = new Option<string?>("--cluster-signing-key-file") { Description = "PEM private key of --cluster-signing-cert-file." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Debug logging." };
        var clusterCidr = new ClusterCidrOptions();
        var command = new Command("controller-manager", "Run the controller manager (ReplicaSet, Deployment, garbage collector, ServiceAccount, root CA publisher, node lifecycle, taint eviction, disruption, node IPAM, EndpointSlice, Endpoints, EndpointSlice mirroring) against a cluster.")
        {
            kubeconfig, workers, rootCaFile, gracePeriod, signingCert, signingKey, verbose,
        };
        clusterCidr.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var loggers = Logging.Create(parse.GetValue(verbose));
            using var shutdown = new ShutdownSignal(cancellationToken);
            var kubeconfigPath = Path.GetFullPath(parse.GetValue(kubeconfig)!);
            using var api = ApiClients.FromKubeconfig(kubeconfigPath);
            var rootCa = parse.GetValue(rootCaFile) is { } caFile ? await File.ReadAllTextAsync(caFile, cancellationToken) : KubeconfigCa(kubeconfigPath);
            var signing = parse.GetValue(signingCert) is { } certFile && parse.GetValue(signingKey) is { } keyFile
                ? (await File.ReadAllTextAsync(certFile, cancellationToken), await File.ReadAllTextAsync(keyFile, cancellationToken))
                : ((string, string)?)null;
            var context = ComponentContext.Create(api, TimeProvider.System, loggers);
            try
            {
                context.Informers.Start(shutdown.Token);
                await Task.WhenAll(
                    ControllerManagerHost.RunAsync(clusterCidr.ApplyTo(new ControllerManagerOptions { Workers = parse.GetValue(workers), RootCaBundle = rootCa, NodeMonitorGracePeriod = parse.GetValue(gracePeriod), ClusterSigning = signing }, parse), context, shutdown.Token),
                    Networking.NetworkingControllers.RunAsync(context, shutdown.Token));
            }
            catch (OperationCanceledException) when (shutdown.Token.IsCancellationRequested)
            {
            }
            finally
            {
                await context.DisposeAsync();
            }

            loggers.CreateLogger("Skiff.Controllers").LogInformation("controller manager stopped");
            return 0;
        });
        return command;
    }

    /// <summary>The kubeconfig's CA as PEM (upstream falls back to it without --root-ca-file), or null.</summary>
    private static string? KubeconfigCa(string kubeconfigPath) =>
        k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath).SslCaCerts?.Cast<System.Security.Cryptography.X509Certificates.X509Certificate2>().FirstOrDefault()?.ExportCertificatePem();
}
