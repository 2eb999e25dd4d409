namespace Skiff.Scheduler;

/// <summary>The scheduler's settings, upstream's defaults (kube-scheduler's KubeSchedulerConfiguration).</summary>
public sealed record SchedulerOptions
{
    /// <summary>Pods whose <c>spec.schedulerName</c> is this (or empty) are ours.</summary>
    public string SchedulerName { get; init; } = "default-scheduler";

    /// <summary>Elect one active scheduler per cluster on Lease <c>kube-system/kube-scheduler</c>.</summary>
    public bool LeaderElect { get; init; } = true;

    public string Identity { get; init; } = Client.Leases.LeaderElectionConfig.NewIdentity();

    /// <summary>podInitialBackoffSeconds / podMaxBackoffSeconds.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an unschedulable pod waits at most before it is tried again without a cluster event
    /// (upstream's podMaxInUnschedulablePodsDuration, 5 minutes).</summary>
    public TimeSpan MaxInUnschedulable { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Bindings in flight at once (binding is asynchronous to the next pod's scheduling, as upstream).</summary>
    public int BindParallelism { get; init; } = 16;

    /// <summary>0 means adaptive: 50% minus 1% per 125 nodes, at least 5%, never fewer than 100 nodes.</summary>
    public int PercentageOfNodesToScore { get; init; }
}
