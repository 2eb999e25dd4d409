using Skiff.Client.Leases;

namespace Skiff.Controllers;

/// <summary>How the controller manager runs (kube-controller-manager's flags that matter here).</summary>
public sealed record ControllerManagerOptions
{
    /// <summary>This candidate's name on the Lease.</summary>
    public string Identity { get; init; } = LeaderElectionConfig.NewIdentity();

    /// <summary>Compete for Lease kube-system/kube-controller-manager (false: run at once, for tests).</summary>
    public bool LeaderElect { get; init; } = true;

    /// <summary>Workers per controller (upstream's --concurrent-*-syncs default 5).</summary>
    public int Workers { get; init; } = 5;

    /// <summary>The cluster CA bundle (PEM) published as ConfigMap <c>kube-root-ca.crt</c> in every namespace
    /// (upstream's --root-ca-file; null: the publisher does not run).</summary>
    public string? RootCaBundle { get; init; }

    /// <summary>How long a node's Lease may go unrenewed before the node is Unknown (upstream's
    /// --node-monitor-grace-period, 50 s in v1.32).</summary>
    public TimeSpan NodeMonitorGracePeriod { get; init; } = TimeSpan.FromSeconds(50);
}
