using k8s.Models;

namespace Skiff.Kubelet.Pods;

/// <summary>Runs one probe once against a running container.</summary>
public interface IProber
{
    /// <summary>True when the probe succeeded within its timeout.</summary>
    Task<bool> ProbeAsync(V1Probe probe, V1Container container, string containerId, string? podIp, CancellationToken cancellationToken);
}
