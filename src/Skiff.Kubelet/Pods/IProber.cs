using k8s.Models;

namespace Skiff.Kubelet.Pods;

/// <summary>Runs one probe once against a running container.</summary>
public interface IProber
{
    /// <summary>Whether the probe succeeded within its timeout, and what it said (the output an <c>Unhealthy</c> event
    /// carries).</summary>
    Task<ProbeAttempt> ProbeAsync(V1Probe probe, V1Container container, string containerId, string? podIp, CancellationToken cancellationToken);
}

/// <summary>One probe's outcome: success, and its output (upstream's probe output, e.g. <c>HTTP probe failed with
/// statuscode: 500</c>).</summary>
public readonly record struct ProbeAttempt(bool Succeeded, string Output)
{
    public static ProbeAttempt Success { get; } = new(true, string.Empty);

    public static ProbeAttempt Failure(string output) => new(false, output);
}
