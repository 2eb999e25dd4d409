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
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Debug logging." };
        var clusterCidr = new ClusterCidrOptions();
        var command = new Command("controller-manager", "Run the controller manager (ReplicaSet, Deployment, garbage collector, node IPAM, EndpointSlice, Endpoints, EndpointSlice mirroring) against a cluster.")
        {
            kubeconfig, workers, verbose,
        };
        clusterCidr.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var loggers = Logging.Create(parse.GetValue(verbose));
            using var shutdown = new ShutdownSignal(cancellationToken);
            using var api = ApiClients.FromKubeconfig(Path.GetFullPath(parse.GetValue(kubeconfig)!));
            var context = ComponentContext.Create(api, TimeProvider.System, loggers);
            try
            {
                context.Informers.Start(shutdown.Token);
                await Task.WhenAll(
                    ControllerManagerHost.RunAsync(clusterCidr.ApplyTo(new ControllerManagerOptions { Workers = parse.GetValue(workers) }, parse), context, shutdown.Token),
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
}
