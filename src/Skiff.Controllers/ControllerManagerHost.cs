using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Leases;
using Skiff.Controllers.CronJobs;
using Skiff.Controllers.DaemonSets;
using Skiff.Controllers.Deployments;
using Skiff.Controllers.Disruption;
using Skiff.Controllers.ResourceQuota;
using Skiff.Controllers.GarbageCollection;
using Skiff.Controllers.Jobs;
using Skiff.Controllers.Namespaces;
using Skiff.Controllers.NodeIpam;
using Skiff.Controllers.NodeLifecycle;
using Skiff.Controllers.ReplicaSets;
using Skiff.Controllers.ReplicationControllers;
using Skiff.Controllers.ServiceAccounts;
using Skiff.Controllers.StatefulSets;
using Skiff.Controllers.TaintEviction;

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
        var replicationControllers = new ReplicationManager(context);
        var deployments = new DeploymentController(context);
        var daemonSets = new DaemonSetController(context);
        var statefulSets = new StatefulSetController(context);
        var garbage = new GarbageCollector(context);
        var jobs = new JobController(context);
        var ttl = new TtlAfterFinishedController(context);
        var cronJobs = new CronJobController(context);
        using var namespaces = new NamespaceController(context);
        using var serviceAccounts = new ServiceAccountsController(context);
        using var rootCa = options.RootCaBundle is { Length: > 0 } bundle ? new RootCaCertPublisher(context, bundle) : null;
        using var nodeLifecycle = new NodeLifecycleController(context, new NodeLifecycleOptions { GracePeriod = options.NodeMonitorGracePeriod });
        using var taintEviction = new TaintEvictionController(context);
        using var disruption = new DisruptionController(context);
        using var resourceQuota = new ResourceQuotaController(context);
        // One worker: allocations are serialised by the range's lock anyway, and node registrations are rare.
        using var nodeIpam = string.IsNullOrEmpty(options.ClusterCidr) ? null : new NodeIpamController(context, options.ClusterCidr, options.NodeCidrMaskSize);
        using var authority = options.ClusterSigning is { } signing ? new Certificates.SigningAuthority(signing.CertificatePem, signing.KeyPem) : null;
        using var csrSigning = authority is null ? null : new Certificates.CsrSigningController(context, authority, options.ClusterSigningDuration);
        using var csrApproving = new Certificates.CsrApprovingController(context, new Certificates.ApiSubjectAccessReviewer(context.Api));
        using var tokenCleaner = new Bootstrap.TokenCleaner(context);
        logger.LogInformation("controller manager {Identity} running: replicaset, replicationcontroller, deployment, daemonset, statefulset, garbage-collector, job, ttl-after-finished, cronjob, namespace, serviceaccount, node-lifecycle, taint-eviction, disruption, resourcequota, csrapproving, tokencleaner{RootCa}{Signing}{Ipam}", options.Identity,
            rootCa is null ? string.Empty : ", root-ca-cert-publisher",
            csrSigning is null ? string.Empty : ", csrsigning",
            nodeIpam is null ? string.Empty : $", node-ipam ({options.ClusterCidr}, /{options.NodeCidrMaskSize} per node)");
        try
        {
            await Task.WhenAll(
                replicaSets.RunAsync(options.Workers, cancellationToken),
                replicationControllers.RunAsync(options.Workers, cancellationToken),
                deployments.RunAsync(options.Workers, cancellationToken),
                daemonSets.RunAsync(options.Workers, cancellationToken),
                statefulSets.RunAsync(options.Workers, cancellationToken),
                garbage.RunAsync(options.Workers, cancellationToken),
                jobs.RunAsync(options.Workers, cancellationToken),
                ttl.RunAsync(options.Workers, cancellationToken),
                cronJobs.RunAsync(options.Workers, cancellationToken),
                namespaces.RunAsync(options.Workers, cancellationToken),
                serviceAccounts.RunAsync(options.Workers, cancellationToken),
                rootCa?.RunAsync(options.Workers, cancellationToken) ?? Task.CompletedTask,
                nodeLifecycle.RunAsync(cancellationToken),
                taintEviction.RunAsync(options.Workers, cancellationToken),
                disruption.RunAsync(options.Workers, cancellationToken),
                csrSigning?.RunAsync(options.Workers, cancellationToken) ?? Task.CompletedTask,
                csrApproving.RunAsync(options.Workers, cancellationToken),
                tokenCleaner.RunAsync(1, cancellationToken),
                resourceQuota.RunAsync(options.Workers, cancellationToken),
                nodeIpam?.RunAsync(1, cancellationToken) ?? Task.CompletedTask);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            replicaSets.Dispose();
            replicationControllers.Dispose();
            deployments.Dispose();
            daemonSets.Dispose();
            statefulSets.Dispose();
            garbage.Dispose();
            jobs.Dispose();
            ttl.Dispose();
            cronJobs.Dispose();
        }
    }
}
