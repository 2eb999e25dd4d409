using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Leases;

namespace Skiff.Scheduler;

/// <summary>
/// Runs the scheduler as a control-plane component: with leader election on the Lease
/// <c>kube-system/kube-scheduler</c> (so one of several schedulers acts), each term of leadership a fresh
/// scheduler that rebuilds its cache from the informers.
/// </summary>
public static class SchedulerHost
{
    public const string LeaseNamespace = "kube-system";
    public const string LeaseName = "kube-scheduler";

    public static async Task RunAsync(SchedulerOptions options, ComponentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        if (!options.LeaderElect)
        {
            await new Scheduler(context, options).RunAsync(cancellationToken);
            return;
        }

        var config = new LeaderElectionConfig { Namespace = LeaseNamespace, Name = LeaseName, Identity = options.Identity };
        var elector = new LeaderElector(config, context.Api, context.Time, context.Loggers.CreateLogger("Skiff.Scheduler.LeaderElection"));
        while (!cancellationToken.IsCancellationRequested)
        {
            // RunAsync returns when leadership is lost; stand again (upstream exits and is restarted).
            await elector.RunAsync(ct => new Scheduler(context, options).RunAsync(ct), cancellationToken);
        }
    }
}
