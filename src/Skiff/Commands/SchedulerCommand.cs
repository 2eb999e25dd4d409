using System.CommandLine;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Hosting;
using Skiff.Scheduler;

namespace Skiff.Commands;

/// <summary><c>skiff scheduler --kubeconfig F</c>: the scheduler alone, against any API server, leader-elected on
/// the Lease <c>kube-system/kube-scheduler</c> so that several may run.</summary>
internal static class SchedulerCommand
{
    public static Command Create()
    {
        var kubeconfig = new Option<string>("--kubeconfig") { Description = "Kubeconfig of the cluster to schedule for.", Required = true };
        var leaderElect = new Option<bool>("--leader-elect") { Description = "Elect a leader among schedulers (Lease kube-system/kube-scheduler).", DefaultValueFactory = _ => true };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Debug logging." };
        var command = new Command("scheduler", "Run the scheduler: binds pending pods to nodes.") { kubeconfig, leaderElect, verbose };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var loggers = Logging.Create(parse.GetValue(verbose));
            using var shutdown = new ShutdownSignal(cancellationToken);
            var api = ApiClients.FromKubeconfig(Path.GetFullPath(parse.GetValue(kubeconfig)!));
            var context = ComponentContext.Create(api, TimeProvider.System, loggers);
            try
            {
                context.Informers.Start(shutdown.Token);
                await SchedulerHost.RunAsync(new SchedulerOptions { LeaderElect = parse.GetValue(leaderElect) }, context, shutdown.Token);
            }
            catch (OperationCanceledException) when (shutdown.Token.IsCancellationRequested)
            {
            }
            finally
            {
                await context.DisposeAsync();
            }

            return 0;
        });
        return command;
    }
}
