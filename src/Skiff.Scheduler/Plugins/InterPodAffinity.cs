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

    public FilterFailure? PreFilter(PodInfo pod, NodeInfo[] nodes, CycleState state)
    {
        var data = new FilterData();
        var hasTerms = pod.RequiredAffinity.Count + pod.RequiredAntiAffinity.Count > 0;
        foreach (var node in nodes)
        {
            foreach (var existing in node.PodsWithRequiredAntiAffinity)
            {
                foreach (var term in existing.RequiredAntiAffinity)
                {
                    var value = AffinityTerms.TopologyValue(node, term.TopologyKey);
                    if (value is not null && AffinityTerms.Selects(term, existing.Namespace, pod))
                    {
                        data.ExistingAntiAffinity.Add((term.TopologyKey, value));
                    }
                }
            }

            if (!hasTerms)
            {
                continue;
            }

            foreach (var existing in node.Pods)
            {
                for (var i = 0; i < pod.RequiredAffinity.Count; i++)
                {
                    var term = pod.RequiredAffinity[i];
                    var value = AffinityTerms.TopologyValue(node, term.TopologyKey);
                    if (value is not null && AffinityTerms.Selects(term, pod.Namespace, existing))
                    {
                        data.Affinity.Add((i, value));
                        data.AnyAffinityMatch = true;
                    }
                }

                foreach (var term in pod.RequiredAntiAffinity)
                {
                    var value = AffinityTerms.TopologyValue(node, term.TopologyKey);
                    if (value is not null && AffinityTerms.Selects(term, pod.Namespace, existing))
                    {
                        data.AntiAffinity.Add((term.TopologyKey, value));
                    }
                }
            }
        }

        data.MatchesOwnAffinity = pod.RequiredAffinity.All(t => AffinityTerms.Selects(t, pod.Namespace, pod));
        state.Write(FilterKey, data);
        return null;
    }

    public FilterFailure? Filter(PodInfo pod, NodeInfo node, CycleState state)
    {
        var data = state.Read<FilterData>(FilterKey);
        if (data is null)
        {
            return null;
        }

        if (data.ExistingAntiAffinity.Count > 0 && node.Labels is not null)
        {
            foreach (var (key, value) in node.Labels)
            {
                if (data.ExistingAntiAffinity.Contains((key, value)))
                {
                    return ExistingAntiAffinity;
                }
            }
        }

        foreach (var term in pod.RequiredAntiAffinity)
        {
            var value = AffinityTerms.TopologyValue(node, term.TopologyKey);
            if (value is not null && data.AntiAffinity.Contains((term.TopologyKey, value)))
            {
                return AntiAffinityMismatch;
            }
        }

        if (pod.RequiredAffinity.Count > 0)
        {
            // The first pod of a group that selects itself may go anywhere its topology keys exist.
            var firstOfGroup = !data.AnyAffinityMatch && data.MatchesOwnAffinity;
            for (var i = 0; i < pod.RequiredAffinity.Count; i++)
            {
                var value = AffinityTerms.TopologyValue(node, pod.RequiredAffinity[i].TopologyKey);
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
        var scores = new Dictionary<(string Key, string Value), long>();
        var own = pod.PreferredAffinity.Count + pod.PreferredAntiAffinity.Count > 0;
        foreach (var node in state.Read<NodeInfo[]>(AllNodesKey) ?? feasible)
        {
            var candidates = own ? (IEnumerable<PodInfo>)node.Pods : node.PodsWithAffinity;
            foreach (var existing in candidates)
            {
                foreach (var weighted in pod.PreferredAffinity)
                {
                    Add(scores, node, weighted.PodAffinityTerm, pod.Namespace, existing, weighted.Weight);
                }

                foreach (var weighted in pod.PreferredAntiAffinity)
                {
                    Add(scores, node, weighted.PodAffinityTerm, pod.Namespace, existing, -weighted.Weight);
                }

                // Symmetry: existing pods' terms that select the incoming pod.
                if (existing.HasAffinityTerms)
                {
                    foreach (var weighted in existing.PreferredAffinity)
                    {
                        Add(scores, node, weighted.PodAffinityTerm, existing.Namespace, pod, weighted.Weight);
                    }

                    foreach (var weighted in existing.PreferredAntiAffinity)
                    {
                        Add(scores, node, weighted.PodAffinityTerm, existing.Namespace, pod, -weighted.Weight);
                    }

                    foreach (var term in existing.RequiredAffinity)
                    {
                        Add(scores, node, term, existing.Namespace, pod, 1); // upstream's hardPodAffinityWeight
                    }
                }
            }
        }

        if (scores.Count == 0)
        {
            return false;
        }

        state.Write(ScoreKey, scores);
        return true;
    }

    /// <summary>The key under which the scheduler leaves all nodes for plugins that score against the whole
    /// cluster rather than the feasible nodes only.</summary>
    public const string AllNodesKey = "AllNodes";

    public long Score(PodInfo pod, NodeInfo node, CycleState state)
    {
        var scores = state.Read<Dictionary<(string Key, string Value), long>>(ScoreKey);
        if (scores is null || node.Labels is null)
        {
            return 0;
        }

        long total = 0;
        foreach (var (key, value) in node.Labels)
        {
            total += scores.GetValueOrDefault((key, value));
        }

        return total;
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
            scores[i] = max == min ? 0 : ScoreNormalizer.MaxNodeScore * (scores[i] - min) / (max - min);
        }
    }

    private static void Add(Dictionary<(string Key, string Value), long> scores, NodeInfo node, k8s.Models.V1PodAffinityTerm term, string ownerNamespace, PodInfo selected, long weight)
    {
        var value = AffinityTerms.TopologyValue(node, term.TopologyKey);
        if (value is not null && weight != 0 && AffinityTerms.Selects(term, ownerNamespace, selected))
        {
            scores[(term.TopologyKey, value)] = scores.GetValueOrDefault((term.TopologyKey, value)) + weight;
        }
    }

    private sealed class FilterData
    {
        public HashSet<(string Key, string Value)> ExistingAntiAffinity { get; } = [];

        public HashSet<(string Key, string Value)> AntiAffinity { get; } = [];

        public HashSet<(int Term, string Value)> Affinity { get; } = [];

        public bool AnyAffinityMatch { get; set; }

        public bool MatchesOwnAffinity { get; set; }
    }
}
