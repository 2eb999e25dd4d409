using k8s.Models;

namespace Skiff.Controllers.NodeLifecycle;

/// <summary>What the controller last saw of a node: when it last heard from it (on its own clock, so the kubelet's
/// clock does not matter) and the Lease renewal and Ready heartbeat it heard.</summary>
internal sealed class NodeHealth
{
    public required DateTimeOffset ProbeTimestamp { get; set; }

    public DateTime? LeaseRenewTime { get; set; }

    public DateTime? ReadyHeartbeat { get; set; }

    /// <summary>Ready=True at the end of the last pass (a change to anything else marks the pods not ready).</summary>
    public bool WasReady { get; set; }

    /// <summary>Marking the node's pods not ready failed: try again on the next pass.</summary>
    public bool PodsNeedRetry { get; set; }
}
