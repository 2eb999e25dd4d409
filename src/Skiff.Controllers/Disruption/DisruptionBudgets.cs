using k8s.Models;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Disruption;

/// <summary>The arithmetic of a PodDisruptionBudget's status (upstream's getExpectedPodCount, countHealthyPods and
/// updatePdbStatus), pure.</summary>
public static class DisruptionBudgets
{
    /// <summary>How long an eviction's entry in <c>status.disruptedPods</c> waits for the pod's deletion to show.</summary>
    public static readonly TimeSpan DeletionTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Expected pods and desired healthy: minAvailable as a count needs no scale (expected = the pods
    /// found); maxUnavailable and a minAvailable percentage are scaled against <paramref name="expectedScale"/>, the
    /// replicas of the pods' controllers (rounding up).</summary>
    public static (int ExpectedCount, int DesiredHealthy) Expected(V1PodDisruptionBudgetSpec spec, int podCount, Func<int> expectedScale)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(expectedScale);
        if (spec.MaxUnavailable is { } maxUnavailable)
        {
            var expected = expectedScale();
            var desired = expected - IntOrPercent.Scaled(maxUnavailable, expected, roundUp: true);
            return (expected, Math.Max(0, desired));
        }

        if (spec.MinAvailable?.Value is { } min && !min.EndsWith('%'))
        {
            return (podCount, IntOrPercent.Scaled(spec.MinAvailable, podCount, roundUp: true));
        }

        if (spec.MinAvailable is not null)
        {
            var expected = expectedScale();
            return (expected, IntOrPercent.Scaled(spec.MinAvailable, expected, roundUp: true));
        }

        // Neither set: upstream expects nothing, so nothing may be disrupted.
        return (0, 0);
    }

    /// <summary>Ready pods that are neither being deleted nor already counted as disrupted.</summary>
    public static int CountHealthy(IEnumerable<V1Pod> pods, IReadOnlyDictionary<string, DateTime> disrupted) =>
        pods.Count(p => p.Metadata.DeletionTimestamp is null && !disrupted.ContainsKey(p.Metadata.Name) && PodStates.IsReady(p));

    /// <summary>The disruptedPods entries still pending (pod present, not yet being deleted, within the timeout), and
    /// when the earliest of them expires.</summary>
    public static (Dictionary<string, DateTime> Pending, DateTimeOffset? RecheckAt) PendingDisruptions(
        IDictionary<string, DateTime?>? disruptedPods, IReadOnlyDictionary<string, V1Pod> pods, DateTimeOffset now)
    {
        var pending = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        DateTimeOffset? recheck = null;
        foreach (var (name, at) in disruptedPods ?? new Dictionary<string, DateTime?>())
        {
            if (at is not { } time || !pods.TryGetValue(name, out var pod) || pod.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            var expires = new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)) + DeletionTimeout;
            if (expires < now)
            {
                continue;
            }

            pending[name] = time;
            recheck = recheck is null || expires < recheck ? expires : recheck;
        }

        return (pending, recheck);
    }

    /// <summary>currentHealthy above desiredHealthy, none when no pods are expected.</summary>
    public static int DisruptionsAllowed(int currentHealthy, int desiredHealthy, int expectedCount)
    {
        var allowed = currentHealthy - desiredHealthy;
        return expectedCount <= 0 || allowed <= 0 ? 0 : allowed;
    }
}
