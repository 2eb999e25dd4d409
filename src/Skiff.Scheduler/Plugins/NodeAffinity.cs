using k8s.Models;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>
/// Upstream's NodeAffinity: the node must match the pod's <c>nodeSelector</c> and its required node affinity;
/// preferred terms add their weights to the score (normalized to the best node).
/// </summary>
public sealed class NodeAffinity : IFilterPlugin, IScorePlugin
{
    public static readonly FilterFailure Mismatch = new("node(s) didn't match Pod's node affinity/selector", unresolvable: true);

    private static readonly Dictionary<string, string> EmptyLabels = [];

    public string Name => "NodeAffinity";

    public int Weight => 2;

    public FilterFailure? Filter(PodInfo pod, NodeInfo node, CycleState state) => !pod.HasNodeConstraints || Fits(pod.Pod, node.Node) ? null : Mismatch;

    /// <summary>Whether the node matches the pod's selector and required node affinity (also used by spreading).</summary>
    public static bool Fits(V1Pod pod, V1Node node)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(node);
        foreach (var (key, value) in pod.Spec?.NodeSelector ?? EmptyLabels)
        {
            if (node.Metadata.Labels is null || !node.Metadata.Labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        var required = pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution;
        return required is null || NodeSelectorMatching.MatchesAny(required.NodeSelectorTerms, node);
    }

    public bool PreScore(PodInfo pod, NodeInfo[] feasible, CycleState state) =>
        (pod.Pod.Spec?.Affinity?.NodeAffinity?.PreferredDuringSchedulingIgnoredDuringExecution?.Count ?? 0) > 0;

    public long Score(PodInfo pod, NodeInfo node, CycleState state)
    {
        long score = 0;
        foreach (var preferred in pod.Pod.Spec?.Affinity?.NodeAffinity?.PreferredDuringSchedulingIgnoredDuringExecution ?? [])
        {
            if (preferred.Weight != 0 && NodeSelectorMatching.Matches(preferred.Preference, node.Node))
            {
                score += preferred.Weight;
            }
        }

        return score;
    }

    public void Normalize(PodInfo pod, Span<long> scores, CycleState state) => ScoreNormalizer.Normalize(scores, reverse: false);
}
