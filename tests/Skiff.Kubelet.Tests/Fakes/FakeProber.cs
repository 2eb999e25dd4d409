using k8s.Models;
using Skiff.Kubelet.Pods;

namespace Skiff.Kubelet.Tests.Fakes;

/// <summary>Probe results decided by the test, per probe kind ("readiness", "liveness", "startup").</summary>
public sealed class FakeProber : IProber
{
    public Dictionary<V1Probe, bool> Results { get; } = new(ReferenceEqualityComparer.Instance);

    public int Calls { get; private set; }

    public Task<ProbeAttempt> ProbeAsync(V1Probe probe, V1Container container, string containerId, string? podIp, CancellationToken cancellationToken)
    {
        Calls++;
        return Task.FromResult(Results.GetValueOrDefault(probe, true) ? ProbeAttempt.Success : ProbeAttempt.Failure("HTTP probe failed with statuscode: 500"));
    }
}
