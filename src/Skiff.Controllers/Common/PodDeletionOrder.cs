using System.Globalization;
using k8s.Models;

namespace Skiff.Controllers.Common;

/// <summary>
/// The order in which a ReplicaSet gives up pods when it has too many (upstream's ActivePodsWithRanks.Less): first
/// unscheduled before scheduled, Pending before Unknown before Running, not ready before ready, lower
/// <c>controller.kubernetes.io/pod-deletion-cost</c> first, pods doubled up on a node with more of their siblings
/// first, ready for less time first, more restarts first, newer first.
/// </summary>
public static class PodDeletionOrder
{
    public const string DeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";

    /// <summary>The first <paramref name="count"/> pods to delete among <paramref name="pods"/>, ranked against
    /// <paramref name="related"/> (every active pod of the same owner family, e.g. all ReplicaSets of a deployment).</summary>
    public static IReadOnlyList<V1Pod> PodsToDelete(IReadOnlyList<V1Pod> pods, IReadOnlyList<V1Pod> related, int count)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(related);
        if (count >= pods.Count)
        {
            return pods;
        }

        var perNode = related
            .Where(p => !string.IsNullOrEmpty(p.Spec?.NodeName))
            .GroupBy(p => p.Spec!.NodeName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var ranked = pods.Select(p => (Pod: p, Rank: string.IsNullOrEmpty(p.Spec?.NodeName) ? 0 : perNode.GetValueOrDefault(p.Spec!.NodeName))).ToList();
        ranked.Sort((a, b) => Compare(a.Pod, a.Rank, b.Pod, b.Rank));
        return ranked.Take(count).Select(r => r.Pod).ToList();
    }

    /// <summary>Negative when <paramref name="a"/> should be deleted before <paramref name="b"/>.</summary>
    public static int Compare(V1Pod a, int rankA, V1Pod b, int rankB)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var assignedA = !string.IsNullOrEmpty(a.Spec?.NodeName);
        var assignedB = !string.IsNullOrEmpty(b.Spec?.NodeName);
        if (assignedA != assignedB)
        {
            return assignedA ? 1 : -1;
        }

        var phase = PhaseOrder(a).CompareTo(PhaseOrder(b));
        if (phase != 0)
        {
            return phase;
        }

        var readyA = PodStates.IsReady(a);
        var readyB = PodStates.IsReady(b);
        if (readyA != readyB)
        {
            return readyA ? 1 : -1;
        }

        var cost = DeletionCost(a).CompareTo(DeletionCost(b));
        if (cost != 0)
        {
            return cost;
        }

        if (rankA != rankB)
        {
            return rankA > rankB ? -1 : 1;
        }

        if (readyA && readyB)
        {
            var sinceA = PodStates.ReadyCondition(a)?.LastTransitionTime;
            var sinceB = PodStates.ReadyCondition(b)?.LastTransitionTime;
            if (sinceA != sinceB && sinceA is not null && sinceB is not null)
            {
                return sinceA > sinceB ? -1 : 1; // ready for less time first
            }
        }

        var restarts = Restarts(b).CompareTo(Restarts(a));
        if (restarts != 0)
        {
            return restarts;
        }

        var createdA = a.Metadata.CreationTimestamp ?? DateTime.MinValue;
        var createdB = b.Metadata.CreationTimestamp ?? DateTime.MinValue;
        return createdB.CompareTo(createdA);
    }

    private static int PhaseOrder(V1Pod pod) => pod.Status?.Phase switch
    {
        "Pending" or null or "" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 3,
    };

    private static int DeletionCost(V1Pod pod) =>
        pod.Metadata.Annotations?.TryGetValue(DeletionCostAnnotation, out var text) == true
        && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var cost) ? cost : 0;

    private static int Restarts(V1Pod pod) => pod.Status?.ContainerStatuses?.Max(c => c.RestartCount) ?? 0;
}
