using k8s.Models;
using Skiff.Api.Selection;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>
/// Upstream's PodTopologySpread. Filter: for each <c>DoNotSchedule</c> constraint, placing the pod in the node's
/// domain must keep (matching pods in that domain + 1) − (fewest in any eligible domain) within maxSkew; a node
/// without the topology label is out. Score: <c>ScheduleAnyway</c> constraints, or, for a pod without constraints
/// that has a controller, upstream's system defaults (hostname maxSkew 3, zone maxSkew 5) over the pods of the same
/// controller: fewer matching pods in the node's domains scores higher.
/// </summary>
public sealed class PodTopologySpread : IFilterPlugin, IScorePlugin
{
    public const string ZoneLabel = "topology.kubernetes.io/zone";
    public const string HostnameLabel = "kubernetes.io/hostname";

    public static readonly FilterFailure SkewTooLarge = new("node(s) didn't match pod topology spread constraints", unresolvable: false);
    public static readonly FilterFailure MissingLabel = new("node(s) didn't match pod topology spread constraints (missing required label)", unresolvable: true);

    private const string FilterKey = "PodTopologySpread/filter";
    private const string ScoreKey = "PodTopologySpread/score";

    public string Name => "PodTopologySpread";

    public int Weight => 2;

    public FilterFailure? PreFilter(PodInfo pod, NodeInfo[] nodes, CycleState state)
    {
        var constraints = Constraints(pod, "DoNotSchedule");
        if (constraints.Count == 0)
        {
            return null;
        }

        var counts = Count(pod, constraints, nodes, requireAllKeys: true);
        state.Write(FilterKey, counts);
        return null;
    }

    public FilterFailure? Filter(PodInfo pod, NodeInfo node, CycleState state)
    {
        var counts = state.Read<List<DomainCounts>>(FilterKey);
        if (counts is null)
        {
            return null;
        }

        foreach (var c in counts)
        {
            var value = AffinityTerms.TopologyValue(node, c.Constraint.TopologyKey);
            if (value is null)
            {
                return MissingLabel;
            }

            var self = LabelSelectors.Matches(c.Selector, pod.Labels) ? 1 : 0;
            var skew = c.PerDomain.GetValueOrDefault(value) + self - c.Minimum;
            if (skew > c.Constraint.MaxSkew)
            {
                return SkewTooLarge;
            }
        }

        return null;
    }

    public bool PreScore(PodInfo pod, NodeInfo[] feasible, CycleState state)
    {
        var constraints = Constraints(pod, "ScheduleAnyway");
        if (constraints.Count == 0 && (pod.Pod.Spec?.TopologySpreadConstraints?.Count ?? 0) == 0)
        {
            constraints = SystemDefaults(pod);
        }

        if (constraints.Count == 0)
        {
            return false;
        }

        var all = state.Read<NodeInfo[]>(InterPodAffinity.AllNodesKey) ?? feasible;
        state.Write(ScoreKey, Count(pod, constraints, all, requireAllKeys: false));
        return true;
    }

    public long Score(PodInfo pod, NodeInfo node, CycleState state)
    {
        var counts = state.Read<List<DomainCounts>>(ScoreKey);
        if (counts is null)
        {
            return 0;
        }

        double score = 0;
        foreach (var c in counts)
        {
            var value = AffinityTerms.TopologyValue(node, c.Constraint.TopologyKey);
            if (value is null)
            {
                continue;
            }

            // Upstream weighs each constraint by log(domains + 2) so that spreading over many small domains
            // (hosts) does not drown spreading over a few big ones (zones).
            var weight = Math.Log(c.PerDomain.Count + 2);
            score += (c.PerDomain.GetValueOrDefault(value) * weight) + (c.Constraint.MaxSkew - 1);
        }

        return (long)Math.Round(score);
    }

    public void Normalize(PodInfo pod, Span<long> scores, CycleState state)
    {
        if (scores.Length == 0)
        {
            return;
        }

        long min = long.MaxValue;
        long max = long.MinValue;
        foreach (var s in scores)
        {
            min = Math.Min(min, s);
            max = Math.Max(max, s);
        }

        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = max == 0 ? ScoreNormalizer.MaxNodeScore : ScoreNormalizer.MaxNodeScore * (max + min - scores[i]) / max;
        }
    }

    private static List<V1TopologySpreadConstraint> Constraints(PodInfo pod, string whenUnsatisfiable) =>
        (pod.Pod.Spec?.TopologySpreadConstraints ?? []).Where(c => c.WhenUnsatisfiable == whenUnsatisfiable).ToList();

    /// <summary>Upstream's default constraints apply to pods selected by a Service, ReplicaSet or StatefulSet; we
    /// approximate the selector by the pods of the same controller (same owner reference).</summary>
    private static List<V1TopologySpreadConstraint> SystemDefaults(PodInfo pod)
    {
        var owner = pod.Pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        if (owner is null)
        {
            return [];
        }

        return
        [
            new V1TopologySpreadConstraint { MaxSkew = 3, TopologyKey = HostnameLabel, WhenUnsatisfiable = "ScheduleAnyway" },
            new V1TopologySpreadConstraint { MaxSkew = 5, TopologyKey = ZoneLabel, WhenUnsatisfiable = "ScheduleAnyway" },
        ];
    }

    private static List<DomainCounts> Count(PodInfo pod, List<V1TopologySpreadConstraint> constraints, NodeInfo[] nodes, bool requireAllKeys)
    {
        var result = constraints.Select(c => new DomainCounts(c, SelectorOf(pod, c))).ToList();
        var owner = pod.Pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true)?.Uid;
        foreach (var node in nodes)
        {
            // Upstream's nodeAffinityPolicy Honor: only nodes the pod could go to count as domains.
            if (!NodeAffinity.Fits(pod.Pod, node.Node))
            {
                continue;
            }

            if (requireAllKeys && result.Any(c => AffinityTerms.TopologyValue(node, c.Constraint.TopologyKey) is null))
            {
                continue;
            }

            foreach (var c in result)
            {
                var value = AffinityTerms.TopologyValue(node, c.Constraint.TopologyKey);
                if (value is null)
                {
                    continue;
                }

                var matching = 0;
                foreach (var other in node.Pods)
                {
                    if (other.Namespace == pod.Namespace && other.Pod.Metadata.DeletionTimestamp is null && Selects(c, other, owner))
                    {
                        matching++;
                    }
                }

                c.PerDomain[value] = c.PerDomain.GetValueOrDefault(value) + matching;
            }
        }

        foreach (var c in result)
        {
            c.Minimum = c.PerDomain.Count == 0 ? 0 : c.PerDomain.Values.Min();
        }

        return result;
    }

    private static bool Selects(DomainCounts c, PodInfo other, string? owner) =>
        c.Selector is null
            ? owner is not null && other.Pod.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == owner) == true
            : LabelSelectors.Matches(c.Selector, other.Labels);

    /// <summary>The constraint's selector with <c>matchLabelKeys</c> folded in (null for system defaults).</summary>
    private static V1LabelSelector? SelectorOf(PodInfo pod, V1TopologySpreadConstraint constraint)
    {
        if (constraint.LabelSelector is null || constraint.MatchLabelKeys is not { Count: > 0 })
        {
            return constraint.LabelSelector;
        }

        var expressions = new List<V1LabelSelectorRequirement>(constraint.LabelSelector.MatchExpressions ?? []);
        foreach (var key in constraint.MatchLabelKeys)
        {
            if (pod.Labels is not null && pod.Labels.TryGetValue(key, out var value))
            {
                expressions.Add(new V1LabelSelectorRequirement { Key = key, OperatorProperty = "In", Values = [value] });
            }
        }

        return new V1LabelSelector { MatchLabels = constraint.LabelSelector.MatchLabels, MatchExpressions = expressions };
    }

    private sealed class DomainCounts(V1TopologySpreadConstraint constraint, V1LabelSelector? selector)
    {
        public V1TopologySpreadConstraint Constraint { get; } = constraint;

        public V1LabelSelector? Selector { get; } = selector;

        public Dictionary<string, int> PerDomain { get; } = new(StringComparer.Ordinal);

        public int Minimum { get; set; }
    }
}
