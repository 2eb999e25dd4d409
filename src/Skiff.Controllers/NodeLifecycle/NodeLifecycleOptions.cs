namespace Skiff.Controllers.NodeLifecycle;

/// <summary>kube-controller-manager's node lifecycle flags, with v1.32's defaults.</summary>
public sealed record NodeLifecycleOptions
{
    /// <summary>--node-monitor-grace-period: an unrenewed Lease this long makes the node Unknown.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(50);

    /// <summary>--node-startup-grace-period: the same for a node that never posted a Ready condition.</summary>
    public TimeSpan StartupGracePeriod { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>--node-monitor-period: how often node health is checked.</summary>
    public TimeSpan MonitorPeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the NoExecute tainting queues are worked (upstream's nodeEvictionPeriod).</summary>
    public TimeSpan TaintingPeriod { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>--node-eviction-rate: nodes tainted NoExecute per second in a healthy zone.</summary>
    public double EvictionRate { get; init; } = 0.1;

    /// <summary>--secondary-node-eviction-rate: the rate in a partially disrupted large zone.</summary>
    public double SecondaryEvictionRate { get; init; } = 0.01;

    /// <summary>--unhealthy-zone-threshold: the not-Ready fraction (of more than two nodes) that disrupts a zone.</summary>
    public double UnhealthyZoneThreshold { get; init; } = 0.55;

    /// <summary>--large-cluster-size-threshold: a partially disrupted zone at most this big stops evicting.</summary>
    public int LargeClusterThreshold { get; init; } = 50;
}
