using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>
/// Upstream's InterPodAffinity. Filter: the pod's required affinity terms must each find a matching pod in the
/// node's topology domain (or, for the first pod of a group, match the pod itself), its required anti-affinity
/// terms must find none, and no existing pod's required anti-affinity may select the pod in that domain. Score:
/// the weights of preferred terms (the pod's, and existing pods' terms that select it) summed per topology
/// domain, normalized between the worst and best node.
/// </summary>
public sealed class InterPodAffinity : IFilterPlugin, IScorePlugin
{
    public static readonly FilterFailure AffinityMismatch = new("node(s) didn't match pod affinity rules", unresolvable: true);
    public static readonly FilterFailure AntiAffinityMismatch = new("node(s) didn't match pod anti-affinity rules", unresolvable: false);
    public static readonly FilterFailure ExistingAntiAffinity = new("node(s) didn't satisfy existing pods anti-affinity rules", unresolvable: false);

    private const string FilterKey = "InterPodAffinity/filter";
    private const string ScoreKey = "InterPodAffinity/score";

    public string Name => "InterPodAffinity";

    public int Weight => 2;

    // Reused from cycle to cycle (see TopologyPairCounts.Clear): a cycle's state is valid until the next PreFilter
    // or PreScore of this plugin, as the scheduling algorithm runs one cycle at a time.
    private readonly FilterData _filterData = new();
    private readonly TopologyPairCounts _scores = new();

    public FilterFailure? PreFilter(PodInfo pod, NodeInfo[] nodes, CycleState state)
    {
        var data = _filterData;
        data.Clear();
        if (state.Read<ClusterIndexes>(ClusterIndexes.StateKey) is { } indexes)
        {
            FromIndexes(pod, nodes, indexes, data);
            state.Write(FilterKey, data);
            return null;
        }

        var hasTerms = pod.RequiredAffinityTerms.Length + pod.RequiredAntiAffinityTerms.Length > 0;
        foreach (var node in nodes)
        {
            // Upstream's existingAntiAffinityCounts: only nodes holding pods with required anti-affinity matter.
            foreach (var existing in node.PodsWithRequiredAntiAffinity)
            {
                foreach (var term in existing.RequiredAntiAffinityTerms)
                {
                    var value = AffinityTerms.TopologyValue(node, term.TopologyKey);
                    if (value is not null && term.Selects(pod))
                    {
                        data.ExistingAntiAffinity.Add(term.TopologyKey, value, 1);
                    }
                }
            }

            if (!hasTerms || node.PodCount == 0)
            {
                continue;
            }

            // The incoming pod's own terms (upstream's affinityCounts and antiAffinityCounts) against every pod.
            foreach (var existing in node.Pods)
            {
                var affinity = pod.RequiredAffinityTerms;
                for (var i = 0; i < affinity.Length; i++)
                {
                    var value = AffinityTerms.TopologyValue(node, affinity[i].TopologyKey);
                    if (value is not null && affinity[i].Selects(existing))
                    {
                        data.Affinity.Add((i, value));
                        data.AnyAffinityMatch = true;
                    }
                }

                foreach (var term in pod.RequiredAntiAffinityTerms)
                {
                    var value = AffinityTerms.TopologyValue(node, term.TopologyKey);
                    if (value is not null && term.Selects(existing))
                    {
                        data.AntiAffinity.Add(term.TopologyKey, value, 1);
                    }
                }
            }
        }

        data.MatchesOwnAffinity = pod.RequiredAffinityTerms.All(t => t.Selects(pod));
        state.Write(FilterKey, data);
        return null;
    }

    /// <summary>The same state from the counts the cache keeps: the groups of existing terms that select the pod,
    /// and a counter per own required term.</summary>
    private static void FromIndexes(PodInfo pod, NodeInfo[] nodes, ClusterIndexes indexes, FilterData data)
    {
        data.Indexed = true;
        foreach (var group in indexes.AntiAffinity.All(nodes))
        {
            if (group.Term.Selects(pod))
            {
                data.ExistingGroups.Add(group);
            }
        }

        foreach (var term in pod.RequiredAntiAffinityTerms)
        {
            data.AntiCounters.Add(Counter(term, nodes, indexes));
        }

        foreach (var term in pod.RequiredAffinityTerms)
        {
            var counter = Counter(term, nodes, indexes);
            data.AffinityCounters.Add(counter);
            data.AnyAffinityMatch |= counter.Total > 0;
        }

        data.MatchesOwnAffinity = pod.RequiredAffinityTerms.All(t => t.Selects(pod));
    }

    private static DomainCounter Counter(AffinityTerm term, NodeInfo[] nodes, ClusterIndexes indexes) =>
        indexes.Matching.Get("term\n" + term.Key, term.TopologyKey, [term.TopologyKey], term.Selects, nodes);

    private static FilterFailure? FilterIndexed(PodInfo pod, NodeInfo node, FilterData data)
    {
        if (node.Labels is null)
        {
            return pod.RequiredAffinityTerms.Length > 0 ? AffinityMismatch : null;
        }

        foreach (var group in data.ExistingGroups)
        {
            if (node.Label(group.Term.TopologyKey) is { } value && group.PerDomain.GetValueOrDefault(value) > 0)
            {
                return ExistingAntiAffinity;
            }
        }

        foreach (var counter in data.AntiCounters)
        {
            if (node.Label(counter.TopologyKey) is { } value && counter.PerDomain.GetValueOrDefault(value) > 0)
            {
                return AntiAffinityMismatch;
            }
        }

        var firstOfGroup = !data.AnyAffinityMatch && data.MatchesOwnAffinity;
        foreach (var counter in data.AffinityCounters)
        {
            if (node.Label(counter.TopologyKey) is not { } value || (!firstOfGroup && counter.PerDomain.GetValueOrDefault(value) == 0))
            {
                return AffinityMismatch;
            }
        }

        return null;
    }

    /// <summary>The per-cycle state PreFilter left for Filter.</summary>
    internal static FilterData? FilterState(CycleState state) => state.Read<FilterData>(FilterKey);

    public FilterFailure? Filter(PodInfo pod, NodeInfo node, CycleState state)
    {
        var data = state.Read<FilterData>(FilterKey);
        if (data is null)
        {
            return null;
        }

        if (data.Indexed)
        {
            return FilterIndexed(pod, node, data);
        }

        if (data.ExistingAntiAffinity.AnyPositiveOn(node))
        {
            return ExistingAntiAffinity;
        }

        if (!data.AntiAffinity.IsEmpty)
        {
            foreach (var term in pod.RequiredAntiAffinityTerms)
            {
                var value = AffinityTerms.TopologyValue(node, term.TopologyKey);
                if (value is not null && data.AntiAffinity.Get(term.TopologyKey, value) > 0)
                {
                    return AntiAffinityMismatch;
                }
            }
        }

        if (pod.RequiredAffinityTerms.Length > 0)
        {
            // The first pod of a group that selects itself may go anywhere its topology keys exist.
            var firstOfGroup = !data.AnyAffinityMatch && data.MatchesOwnAffinity;
            for (var i = 0; i < pod.RequiredAffinityTerms.Length; i++)
            {
                var value = AffinityTerms.TopologyValue(node, pod.RequiredAffinityTerms[i].TopologyKey);
                if (value is null || (!firstOfGroup && !data.Affinity.Contains((i, value))))
                {
                    return AffinityMismatch;
                }
            }
        }

        return null;
    }

    public bool PreScore(PodInfo pod, NodeInfo[] feasible, CycleState state)
    {
        var scores = _scores;
        scores.Clear();
        var own = pod.PreferredAffinityTerms.Length + pod.PreferredAntiAffinityTerms.Length > 0;
        var all = state.Read<NodeInfo[]>(AllNodesKey) ?? feasible;

        // Without terms of its own, only nodes with pods whose terms score others matter; the cache knows them.
        var walked = !own && state.Read<ClusterIndexes>(ClusterIndexes.StateKey) is { } indexes ? indexes.NodesWithScoringPods(all) : all;
        foreach (var node in walked)
        {
            if (own)
            {
                foreach (var existing in node.Pods)
                {
                    ScoreOwnTerms(scores, node, pod, existing);
                    ScoreExistingTerms(scores, node, pod, existing);
                }
            }
            else
            {
                // Without terms of its own, only pods whose terms could select it count (upstream's
                // HavePodsWithAffinityList).
                foreach (var existing in node.PodsWithAffinity)
                {
                    ScoreExistingTerms(scores, node, pod, existing);
                }
            }
        }

        if (scores.IsEmpty)
        {
            return false;
        }

        state.Write(ScoreKey, scores);
        return true;
    }

    /// <summary>The key under which the scheduler leaves all nodes for plugins that score against the whole
    /// cluster rather than the feasible nodes only.</summary>
    public const string AllNodesKey = "AllNodes";

    public long Score(PodInfo pod, NodeInfo node, CycleState state) =>
        state.Read<TopologyPairCounts>(ScoreKey)?.SumOn(node) ?? 0;

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
            scores[i] = max == min ? 0 : ScoreNormalizer.MaxNodeScore * (scores[i] - min) / (max - min);
        }
    }

    private static void ScoreOwnTerms(TopologyPairCounts scores, NodeInfo node, PodInfo pod, PodInfo existing)
    {
        foreach (var term in pod.PreferredAffinityTerms)
        {
            Add(scores, node, term, existing, term.Weight);
        }

        foreach (var term in pod.PreferredAntiAffinityTerms)
        {
            Add(scores, node, term, existing, -term.Weight);
        }
    }

    /// <summary>Symmetry: existing pods' terms that select the incoming pod.</summary>
    private static void ScoreExistingTerms(TopologyPairCounts scores, NodeInfo node, PodInfo pod, PodInfo existing)
    {
        if (!existing.HasTermsScoringOthers)
        {
            return;
        }

        foreach (var term in existing.PreferredAffinityTerms)
        {
            Add(scores, node, term, pod, term.Weight);
        }

        foreach (var term in existing.PreferredAntiAffinityTerms)
        {
            Add(scores, node, term, pod, -term.Weight);
        }

        foreach (var term in existing.RequiredAffinityTerms)
        {
            Add(scores, node, term, pod, 1); // upstream's hardPodAffinityWeight
        }
    }

    private static void Add(TopologyPairCounts scores, NodeInfo node, AffinityTerm term, PodInfo selected, long weight)
    {
        if (weight == 0)
        {
            return;
        }

        var value = AffinityTerms.TopologyValue(node, term.TopologyKey);
        if (value is not null && term.Selects(selected))
        {
            scores.Add(term.TopologyKey, value, weight);
        }
    }

    /// <summary>Upstream's preFilterState: counts per topology pair of existing pods whose required anti-affinity
    /// selects the incoming pod, of pods the incoming pod's required anti-affinity selects, and which domains hold
    /// pods its required affinity terms select (per term).</summary>
    internal sealed class FilterData
    {
        public TopologyPairCounts ExistingAntiAffinity { get; } = new();

        public TopologyPairCounts AntiAffinity { get; } = new();

        public HashSet<(int Term, string Value)> Affinity { get; } = [];

        public bool AnyAffinityMatch { get; set; }

        public bool MatchesOwnAffinity { get; set; }

        /// <summary>Filled from the cache's indexes (the fields below) rather than counted (the fields above).</summary>
        public bool Indexed { get; set; }

        public List<AntiAffinityGroups.Group> ExistingGroups { get; } = [];

        public List<DomainCounter> AntiCounters { get; } = [];

        public List<DomainCounter> AffinityCounters { get; } = [];

        public void Clear()
        {
            Indexed = false;
            ExistingGroups.Clear();
            AntiCounters.Clear();
            AffinityCounters.Clear();
            ExistingAntiAffinity.Clear();
            AntiAffinity.Clear();
            Affinity.Clear();
            AnyAffinityMatch = false;
            MatchesOwnAffinity = false;
        }
    }
}
