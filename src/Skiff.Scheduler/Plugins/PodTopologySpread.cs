using System.Runtime.InteropServices;
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

        state.Write(FilterKey, Count(pod, constraints, nodes, requireAllKeys: true, state.Read<ClusterIndexes>(ClusterIndexes.StateKey)));
        return null;
    }

    /// <summary>The per-cycle counts PreFilter left for Filter (null when the pod has no DoNotSchedule constraint).</summary>
    internal static IReadOnlyList<DomainCounts>? FilterCounts(CycleState state) => state.Read<DomainCounts[]>(FilterKey);

    public FilterFailure? Filter(PodInfo pod, NodeInfo node, CycleState state)
    {
        var counts = state.Read<DomainCounts[]>(FilterKey);
        if (counts is null)
        {
            return null;
        }

        foreach (var c in counts)
        {
            var value = AffinityTerms.TopologyValue(node, c.TopologyKey);
            if (value is null)
            {
                return MissingLabel;
            }

            var skew = c.PerDomain.GetValueOrDefault(value) + c.SelfMatch - c.Minimum;
            if (skew > c.MaxSkew)
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
        state.Write(ScoreKey, Count(pod, constraints, all, requireAllKeys: false, state.Read<ClusterIndexes>(ClusterIndexes.StateKey)));
        return true;
    }

    public long Score(PodInfo pod, NodeInfo node, CycleState state)
    {
        var counts = state.Read<DomainCounts[]>(ScoreKey);
        if (counts is null)
        {
            return 0;
        }

        double score = 0;
        foreach (var c in counts)
        {
            var value = AffinityTerms.TopologyValue(node, c.TopologyKey);
            if (value is null)
            {
                continue;
            }

            // Upstream weighs each constraint by log(domains + 2) so that spreading over many small domains
            // (hosts) does not drown spreading over a few big ones (zones).
            var weight = Math.Log(c.DomainCount + 2);
            score += (c.PerDomain.GetValueOrDefault(value) * weight) + (c.MaxSkew - 1);
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

    /// <summary>Upstream's calPreFilterState/initPreScoreState: for each constraint, the matching pods per domain
    /// over the nodes the pod could go to, and the fewest in any domain. One pass over the nodes; the pod's own
    /// match, the selectors and the owner are read once, so each node costs a few lookups plus its pods.</summary>
    private static DomainCounts[] Count(PodInfo pod, List<V1TopologySpreadConstraint> constraints, NodeInfo[] nodes, bool requireAllKeys, ClusterIndexes? indexes)
    {
        var owner = pod.Pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true)?.Uid;
        var result = new DomainCounts[constraints.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var selector = SelectorOf(pod, constraints[i]);
            var compiled = selector is null ? null : new CompiledSelector(selector);
            result[i] = new DomainCounts(constraints[i], compiled, owner)
            {
                MemoKey = MemoKeyOf(pod.Namespace, selector, owner),
                IndexKey = compiled is not null ? "selector\n" + pod.Namespace + "\n" + compiled.Key : owner is not null ? "owner\n" + pod.Namespace + "\n" + owner : null,
            };
            result[i].SelfMatch = selector is not null && result[i].Selects(pod) ? 1 : 0;
        }

        // Counts the cache keeps across cycles, when the nodes are the cache's and every node is a candidate
        // domain (a node selector or affinity narrows the domains per pod).
        if (indexes is not null && !pod.HasNodeConstraints && result.All(c => c.IndexKey is not null))
        {
            FromIndexes(pod, result, nodes, requireAllKeys, indexes);
            return result;
        }

        var ns = pod.Namespace;
        foreach (var node in nodes)
        {
            // Upstream's nodeAffinityPolicy Honor: only nodes the pod could go to count as domains.
            if (pod.HasNodeConstraints && !NodeAffinity.Fits(pod.Pod, node.Node))
            {
                continue;
            }

            if (requireAllKeys && !HasAllKeys(node, result))
            {
                continue;
            }

            foreach (var c in result)
            {
                var value = AffinityTerms.TopologyValue(node, c.TopologyKey);
                if (value is null)
                {
                    continue;
                }

                var matching = CountMatching(node, c, ns);
                ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(c.PerDomain, value, out _);
                count += matching;
            }
        }

        foreach (var c in result)
        {
            c.SetMinimum();
        }

        return result;
    }

    private static void FromIndexes(PodInfo pod, DomainCounts[] result, NodeInfo[] nodes, bool requireAllKeys, ClusterIndexes indexes)
    {
        var allKeys = result.Select(c => c.TopologyKey).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var ns = pod.Namespace;
        foreach (var c in result)
        {
            var required = requireAllKeys ? allKeys : [c.TopologyKey];
            var key = c.IndexKey + "\n" + c.TopologyKey + "\n" + string.Join(',', required);
            // System defaults select the pods of the incoming pod's controller: built from that controller's pods.
            Func<IReadOnlyDictionary<NodeInfo, int>?>? owned = c.OwnerUid is { } owner ? () => indexes.Owned.On(ns, owner) : null;
            var counter = indexes.Matching.Get(key, c.TopologyKey, required, other => other.Namespace == ns && other.Pod.Metadata.DeletionTimestamp is null && c.Selects(other), nodes, owned);
            c.UseCounts(counter.PerDomain, counter.DomainCount);
        }
    }

    private static int CountMatching(NodeInfo node, DomainCounts c, string ns)
    {
        var memo = node.MatchCounts;
        if (c.MemoKey is not null && memo is not null && memo.PodsVersion == node.PodsVersion && memo.Key == c.MemoKey)
        {
            return memo.Count;
        }

        var matching = 0;
        foreach (var other in node.Pods)
        {
            if (other.Namespace == ns && other.Pod.Metadata.DeletionTimestamp is null && c.Selects(other))
            {
                matching++;
            }
        }

        if (c.MemoKey is not null)
        {
            memo ??= node.MatchCounts = new MatchCountMemo();
            memo.PodsVersion = node.PodsVersion;
            memo.Key = c.MemoKey;
            memo.Count = matching;
        }

        return matching;
    }

    private static bool HasAllKeys(NodeInfo node, DomainCounts[] counts)
    {
        foreach (var c in counts)
        {
            if (AffinityTerms.TopologyValue(node, c.TopologyKey) is null)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>What a per-node count depends on besides the node's pods: the namespace and the selector (or owner).</summary>
    private static string? MemoKeyOf(string ns, V1LabelSelector? selector, string? owner)
    {
        if (selector is null)
        {
            return owner is null ? null : ns + "\nowner " + owner;
        }

        try
        {
            return ns + "\nselector " + LabelSelectors.ToSelectorString(selector);
        }
        catch (ArgumentException)
        {
            return null; // an invalid operator: count without the memo
        }
    }

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

    /// <summary>One constraint's state for a cycle: matching pods per domain (upstream's TpPairToMatchNum) and the
    /// fewest in any eligible domain (its critical path minimum).</summary>
    internal sealed class DomainCounts(V1TopologySpreadConstraint constraint, CompiledSelector? selector, string? ownerUid)
    {
        public string TopologyKey { get; } = constraint.TopologyKey;

        public int MaxSkew { get; } = constraint.MaxSkew;

        /// <summary>Counted for this cycle, or the cache's <see cref="DomainCounter.PerDomain"/> (then read only).</summary>
        public Dictionary<string, int> PerDomain { get; private set; } = new(StringComparer.Ordinal);

        public int Minimum { get; private set; }

        /// <summary>The key of this constraint's per-node count memo (null: not memoized).</summary>
        public string? MemoKey { get; init; }

        /// <summary>What selects the pods counted (namespace and selector, or owner), for the cache's counters.</summary>
        public string? IndexKey { get; init; }

        /// <summary>The domains counted (those missing from <see cref="PerDomain"/> have no matching pod).</summary>
        public int DomainCount { get; private set; }

        /// <summary>For system defaults (no selector): the controller whose pods are counted.</summary>
        public string? OwnerUid => selector is null ? ownerUid : null;

        public void UseCounts(Dictionary<string, int> perDomain, int domainCount)
        {
            PerDomain = perDomain;
            DomainCount = domainCount;
            SetMinimum();
        }

        public void SetMinimum()
        {
            DomainCount = Math.Max(DomainCount, PerDomain.Count);
            var min = int.MaxValue;
            foreach (var count in PerDomain.Values)
            {
                min = Math.Min(min, count);
            }

            // A domain missing from the counts has none.
            Minimum = PerDomain.Count == 0 || PerDomain.Count < DomainCount ? 0 : min;
        }

        /// <summary>1 when the incoming pod matches its own constraint (placing it adds to the domain).</summary>
        public int SelfMatch { get; set; }

        /// <summary>The constraint's selector, or for system defaults (no selector) the pods of the same controller.</summary>
        public bool Selects(PodInfo other) =>
            selector is null
                ? ownerUid is not null && HasController(other, ownerUid)
                : selector.Matches(other.Labels);

        private static bool HasController(PodInfo other, string ownerUid)
        {
            foreach (var o in other.Pod.Metadata.OwnerReferences ?? [])
            {
                if (o.Controller == true && o.Uid == ownerUid)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
