using k8s.Models;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.StatefulSets;

/// <summary>
/// One step of upstream's updateStatefulSet as a pure decision: which ordinals to create and which pods to delete.
/// OrderedReady acts on one pod at a time (create in ascending order once every lower pod is Running and Ready,
/// remove from the highest ordinal); Parallel creates and removes all at once. RollingUpdate then replaces the
/// highest-ordinal pod not at the update revision, down to the partition, once every pod is Running and Ready.
/// </summary>
public static class StatefulSetPlanner
{
    public sealed record Plan(IReadOnlyList<int> Create, IReadOnlyList<V1Pod> Delete);

    public static Plan Compute(V1StatefulSet set, IReadOnlyList<V1Pod> pods, string updateRevision)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(pods);
        var ordered = set.Spec.PodManagementPolicy != "Parallel";
        var start = set.Spec.Ordinals?.Start ?? 0;
        var replicas = set.Spec.Replicas ?? 1;
        var end = start + replicas;
        var byOrdinal = new Dictionary<int, V1Pod>();
        var condemned = new List<V1Pod>();
        foreach (var pod in pods)
        {
            var ordinal = StatefulPods.Ordinal(set, pod);
            if (ordinal >= start && ordinal < end)
            {
                byOrdinal[ordinal] = pod;
            }
            else
            {
                condemned.Add(pod);
            }
        }

        var create = new List<int>();
        var delete = new List<V1Pod>();
        for (var ordinal = start; ordinal < end; ordinal++)
        {
            if (!byOrdinal.TryGetValue(ordinal, out var pod))
            {
                create.Add(ordinal);
                if (ordered)
                {
                    return new Plan(create, delete);
                }

                continue;
            }

            if (pod.Status?.Phase is "Failed" or "Succeeded" && pod.Metadata.DeletionTimestamp is null)
            {
                delete.Add(pod); // recreated on a later pass
                if (ordered)
                {
                    return new Plan(create, delete);
                }

                continue;
            }

            if (ordered && (pod.Metadata.DeletionTimestamp is not null || !IsRunningAndReady(pod)))
            {
                return new Plan(create, delete); // wait for this pod before touching higher ordinals
            }
        }

        // Scale down: the highest ordinal first; OrderedReady one at a time, and only while the rest is healthy.
        foreach (var pod in condemned.OrderByDescending(p => StatefulPods.Ordinal(set, p)))
        {
            if (pod.Metadata.DeletionTimestamp is not null)
            {
                if (ordered)
                {
                    return new Plan(create, delete);
                }

                continue;
            }

            delete.Add(pod);
            if (ordered)
            {
                return new Plan(create, delete);
            }
        }

        if (create.Count > 0 || delete.Count > 0 || set.Spec.UpdateStrategy?.Type == "OnDelete")
        {
            return new Plan(create, delete);
        }

        // RollingUpdate: from the highest ordinal down to the partition, one pod at a time.
        var partition = start + (set.Spec.UpdateStrategy?.RollingUpdate?.Partition ?? 0);
        for (var ordinal = end - 1; ordinal >= partition; ordinal--)
        {
            var pod = byOrdinal[ordinal];
            if (StatefulPods.Revision(pod) != updateRevision && pod.Metadata.DeletionTimestamp is null)
            {
                return new Plan(create, [pod]);
            }

            if (!IsRunningAndReady(pod) || pod.Metadata.DeletionTimestamp is not null)
            {
                return new Plan(create, delete);
            }
        }

        return new Plan(create, delete);
    }

    public static bool IsRunningAndReady(V1Pod pod) => pod?.Status?.Phase == "Running" && PodStates.IsReady(pod);
}
