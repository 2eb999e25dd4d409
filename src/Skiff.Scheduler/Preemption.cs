using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler;

/// <summary>What preemption decided: the node to nominate and the pods to evict there, or why there is none.</summary>
public sealed record PreemptionResult(string? Node, IReadOnlyList<PodInfo> Victims, string? Message);

/// <summary>
/// Upstream's DefaultPreemption (PostFilter), without PodDisruptionBudgets: on each node whose failure evicting
/// could cure, remove every pod of lower priority, check that the pod then fits, and give back as many of them as
/// still let it fit (highest priority first). Of the candidates, the one whose highest victim priority is lowest
/// wins, then the smallest sum of victim priorities, then the fewest victims.
/// </summary>
public sealed class Preemption
{
    public const string NotHelpful = "Preemption is not helpful for scheduling";
    public const string NoVictims = "No preemption victims found for incoming pod";

    private readonly SchedulingAlgorithm _algorithm;

    public Preemption(SchedulingAlgorithm algorithm)
    {
        _algorithm = algorithm;
    }

    /// <summary>Runs under the cache lock, on the snapshot the failed cycle used.</summary>
    public PreemptionResult Find(PodInfo pod, NodeInfo[] nodes, Diagnosis diagnosis)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(diagnosis);
        if (pod.Pod.Spec?.PreemptionPolicy == "Never")
        {
            return new PreemptionResult(null, [], "preemption: not eligible due to preemptionPolicy=Never");
        }

        // A pod already nominated waits while lower-priority pods on that node are still terminating.
        var nominated = pod.Pod.Status?.NominatedNodeName;
        if (!string.IsNullOrEmpty(nominated) &&
            nodes.FirstOrDefault(n => n.Name == nominated) is { } nominatedNode &&
            nominatedNode.Pods.Any(p => p.Pod.Metadata.DeletionTimestamp is not null && p.Priority < pod.Priority))
        {
            return new PreemptionResult(null, [], "preemption: waiting for the preempted pods to terminate");
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        CycleState? state = null;
        (NodeInfo Node, List<PodInfo> Victims)? best = null;
        foreach (var node in nodes)
        {
            if (!diagnosis.FailuresByNode.TryGetValue(node.Name, out var failure) || failure.Unresolvable)
            {
                counts[NotHelpful] = counts.GetValueOrDefault(NotHelpful) + 1;
                continue;
            }

            var victims = SelectVictims(pod, node, nodes, ref state);
            if (victims is null)
            {
                counts[NoVictims] = counts.GetValueOrDefault(NoVictims) + 1;
                continue;
            }

            if (best is null || Better(victims, best.Value.Victims))
            {
                best = (node, victims);
            }
        }

        if (best is { } chosen)
        {
            return new PreemptionResult(chosen.Node.Name, chosen.Victims, null);
        }

        var histogram = Diagnosis.Histogram(nodes.Length, counts);
        return new PreemptionResult(null, [], "preemption: " + histogram.TrimEnd('.'));
    }

    private List<PodInfo>? SelectVictims(PodInfo pod, NodeInfo node, NodeInfo[] nodes, ref CycleState? state)
    {
        var lower = node.Pods.Where(p => p.Priority < pod.Priority && p.Pod.Metadata.DeletionTimestamp is null).ToList();
        if (lower.Count == 0)
        {
            return null;
        }

        var trial = new NodeInfo(node.Node);
        foreach (var other in node.Pods)
        {
            if (!lower.Contains(other))
            {
                trial.AddPod(other);
            }
        }

        state ??= _algorithm.PreFilter(pod, nodes);
        if (_algorithm.RunFilters(pod, trial, state) is not null)
        {
            return null;
        }

        // Reprieve as many as possible, most important first.
        var victims = new List<PodInfo>();
        foreach (var candidate in lower.OrderByDescending(p => p.Priority))
        {
            trial.AddPod(candidate);
            if (_algorithm.RunFilters(pod, trial, state) is not null)
            {
                trial.RemovePod(candidate.Key);
                victims.Add(candidate);
            }
        }

        return victims.Count == 0 ? null : victims;
    }

    private static bool Better(List<PodInfo> a, List<PodInfo> b)
    {
        var maxA = a.Max(p => p.Priority);
        var maxB = b.Max(p => p.Priority);
        if (maxA != maxB)
        {
            return maxA < maxB;
        }

        var sumA = a.Sum(p => (long)p.Priority);
        var sumB = b.Sum(p => (long)p.Priority);
        return sumA != sumB ? sumA < sumB : a.Count < b.Count;
    }
}
