using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Leases;

namespace Skiff.Scheduler;

/// <summary>Runs the scheduler in a process: leader-elected on Lease <c>kube-system/kube-scheduler</c> (one active
/// scheduler per cluster; another takes over within the lease duration when it dies), or alone.</summary>
public static class SchedulerHost
{
    public static async Task RunAsync(SchedulerOptions options, ComponentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        if (!options.LeaderElect)
        {
            await new Scheduler(options, context).RunAsync(cancellationToken);
            return;
        }

        var elector = new LeaderElector(
            new LeaderElectionConfig { Namespace = "kube-system", Name = "kube-scheduler", Identity = options.Identity },
            context.Api,
            context.Time,
            context.Loggers.CreateLogger("Skiff.Scheduler.LeaderElection"));
        await elector.RunAsync(lead => new Scheduler(options, context).RunAsync(lead), cancellationToken);
    }
}
