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
}
