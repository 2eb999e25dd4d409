using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Leases;
using Skiff.Controllers.CronJobs;
using Skiff.Controllers.Deployments;
using Skiff.Controllers.GarbageCollection;
using Skiff.Controllers.Jobs;
using Skiff.Controllers.ReplicaSets;

namespace Skiff.Controllers;

/// <summary>
/// The controller manager: while this process holds Lease <c>kube-system/kube-controller-manager</c>, it runs every
/// controller on the shared informers of <see cref="ComponentContext"/>. Losing the lease stops them (another
/// server's manager takes over); the process competes again.
/// </summary>
public static class ControllerManagerHost
{
    public const string LeaseNamespace = "kube-system";
    public const string LeaseName = "kube-controller-manager";

    public static async Task RunAsync(ControllerManagerOptions options, ComponentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        var logger = context.Loggers.CreateLogger("Skiff.Controllers");
        if (!options.LeaderElect)
        {
            await RunControllersAsync(options, context, logger, cancellationToken);
            return;
        }

        var elector = new LeaderElector(
            new LeaderElectionConfig { Namespace = LeaseNamespace, Name = LeaseName, Identity = options.Identity },
            context.Api,
            context.Time,
            context.Loggers.CreateLogger("Skiff.Controllers.LeaderElection"));
        await elector.RunAsync(lead => RunControllersAsync(options, context, logger, lead), cancellationToken);
    }

    private static async Task RunControllersAsync(ControllerManagerOptions options, ComponentContext context, ILogger logger, CancellationToken cancellationToken)
    {
        var replicaSets = new ReplicaSetController(context);
        var deployments = new DeploymentController(context);
        var garbage = new GarbageCollector(context);
        var jobs = new JobController(context);
        var ttl = new TtlAfterFinishedController(context);
        var cronJobs = new CronJobController(context);
        logger.LogInformation("controller manager {Identity} running: replicaset, deployment, garbage-collector, job, ttl-after-finished, cronjob", options.Identity);
        try
        {
            await Task.WhenAll(
                replicaSets.RunAsync(options.Workers, cancellationToken),
                deployments.RunAsync(options.Workers, cancellationToken),
                garbage.RunAsync(options.Workers, cancellationToken),
                jobs.RunAsync(options.Workers, cancellationToken),
                ttl.RunAsync(options.Workers, cancellationToken),
                cronJobs.RunAsync(options.Workers, cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            replicaSets.Dispose();
            deployments.Dispose();
            garbage.Dispose();
            jobs.Dispose();
            ttl.Dispose();
            cronJobs.Dispose();
        }
    }
}
