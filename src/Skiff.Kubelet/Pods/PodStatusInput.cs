using k8s.Models;

namespace Skiff.Kubelet.Pods;

/// <summary>Everything the status of a pod is computed from.</summary>
public sealed record PodStatusInput
{
    public required V1Pod Pod { get; init; }

    public required ObservedPod Observed { get; init; }

    /// <summary>Waiting reasons the pod worker recorded, by container name.</summary>
    public IReadOnlyDictionary<string, WaitingReason> Waiting { get; init; } = new Dictionary<string, WaitingReason>();

    /// <summary>Probe results by container id; a running container without an entry is started and ready.</summary>
    public IReadOnlyDictionary<string, ProbeResult> Probes { get; init; } = new Dictionary<string, ProbeResult>();

    /// <summary>The status the conditions' transition times carry over from; the pod's own status when null.</summary>
    public V1PodStatus? Previous { get; init; }

    public required string HostIp { get; init; }

    public required DateTime StartTime { get; init; }

    /// <summary>Succeeded or Failed once the pod has reached it; a terminal phase never changes.</summary>
    public string? TerminalPhase { get; init; }

    public required DateTime Now { get; init; }
}
