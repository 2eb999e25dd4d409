using k8s.Models;

namespace Skiff.Controllers.Common;

/// <summary>Pod predicates controllers share (upstream's podutil and controller.FilterActivePods).</summary>
public static class PodStates
{
    /// <summary>Neither finished nor being deleted.</summary>
    public static bool IsActive(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return pod.Status?.Phase is not ("Succeeded" or "Failed") && pod.Metadata.DeletionTimestamp is null;
    }

    public static bool IsReady(V1Pod pod) => ReadyCondition(pod)?.Status == "True";

    /// <summary>Ready for at least <paramref name="minReadySeconds"/> at <paramref name="now"/>.</summary>
    public static bool IsAvailable(V1Pod pod, int minReadySeconds, DateTimeOffset now) =>
        ReadyCondition(pod) is { } ready && IsAvailable(ready, minReadySeconds, now);

    /// <summary>As above, from the pod's Ready condition already found.</summary>
    public static bool IsAvailable(V1PodCondition ready, int minReadySeconds, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ready);
        if (ready.Status != "True")
        {
            return false;
        }

        if (minReadySeconds == 0)
        {
            return true;
        }

        return ready.LastTransitionTime is { } since && new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc)).AddSeconds(minReadySeconds) <= now;
    }

    public static V1PodCondition? ReadyCondition(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (pod.Status?.Conditions is not { } conditions)
        {
            return null;
        }

        // An index loop: no enumerator boxed behind IList for each of a ReplicaSet's pods on every sync.
        for (var i = 0; i < conditions.Count; i++)
        {
            if (conditions[i].Type == "Ready")
            {
                return conditions[i];
            }
        }

        return null;
    }
}
