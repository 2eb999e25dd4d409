using k8s.Models;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// The probe bookkeeping of one running container instance: startup, then liveness and readiness, each with its own
/// initial delay, period and success/failure thresholds, as the kubelet's probe workers keep it.
/// </summary>
public sealed class ContainerProbes(string containerId, DateTimeOffset startedAt)
{
    private readonly ProbeCounter startup = new();
    private readonly ProbeCounter liveness = new();
    private readonly ProbeCounter readiness = new();

    public string ContainerId { get; } = containerId;

    public bool Started { get; private set; }

    public bool Ready { get; private set; }

    /// <summary>Runs the probes that are due; returns the reason to kill the container, or null.</summary>
    public async Task<string?> RunDueAsync(
        V1Container container, DateTimeOffset now, Func<V1Probe, Task<bool>> probe)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(probe);
        if (!Started)
        {
            if (container.StartupProbe is null)
            {
                Started = true;
            }
            else
            {
                var result = await startup.RunIfDueAsync(container.StartupProbe, startedAt, now, probe);
                if (result == ProbeOutcome.Succeeded)
                {
                    Started = true;
                }
                else if (result == ProbeOutcome.Failed)
                {
                    return "Startup probe failed";
                }
                else
                {
                    return null;
                }
            }
        }

        if (container.LivenessProbe is { } live
            && await liveness.RunIfDueAsync(live, startedAt, now, probe) == ProbeOutcome.Failed)
        {
            return "Liveness probe failed";
        }

        if (container.ReadinessProbe is null)
        {
            Ready = true;
        }
        else
        {
            var result = await readiness.RunIfDueAsync(container.ReadinessProbe, startedAt, now, probe);
            if (result == ProbeOutcome.Succeeded)
            {
                Ready = true;
            }
            else if (result == ProbeOutcome.Failed)
            {
                Ready = false;
            }
        }

        return null;
    }

    public ProbeResult Result => new(Started, Ready);

    private enum ProbeOutcome
    {
        NotDue,
        Undecided,
        Succeeded,
        Failed,
    }

    private sealed class ProbeCounter
    {
        private DateTimeOffset? lastRun;
        private int successes;
        private int failures;

        public async Task<ProbeOutcome> RunIfDueAsync(
            V1Probe spec, DateTimeOffset startedAt, DateTimeOffset now, Func<V1Probe, Task<bool>> probe)
        {
            if (now < startedAt + TimeSpan.FromSeconds(spec.InitialDelaySeconds ?? 0))
            {
                return ProbeOutcome.NotDue;
            }

            var period = TimeSpan.FromSeconds(Math.Max(1, spec.PeriodSeconds ?? 10));
            if (lastRun is not null && now - lastRun < period)
            {
                return ProbeOutcome.NotDue;
            }

            lastRun = now;
            if (await probe(spec))
            {
                failures = 0;
                successes++;
                return successes >= Math.Max(1, spec.SuccessThreshold ?? 1) ? ProbeOutcome.Succeeded : ProbeOutcome.Undecided;
            }

            successes = 0;
            failures++;
            return failures >= Math.Max(1, spec.FailureThreshold ?? 3) ? ProbeOutcome.Failed : ProbeOutcome.Undecided;
        }
    }
}
