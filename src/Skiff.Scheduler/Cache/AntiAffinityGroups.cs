using System.Runtime.InteropServices;

namespace Skiff.Scheduler.Cache;

/// <summary>
/// The required anti-affinity terms of the pods on the nodes, grouped by equal terms (<see cref="AffinityTerm.Key"/>)
/// with the number of their pods per topology domain: an incoming pod is checked once against each group rather
/// than against every such pod (upstream's existingAntiAffinityCounts, kept across cycles). Rebuilt from the nodes
/// after a node change.
/// </summary>
public sealed class AntiAffinityGroups
{
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);
    private bool _stale = true;

    /// <summary>The groups over <paramref name="nodes"/> (the cache's nodes).</summary>
    public IEnumerable<Group> All(NodeInfo[] nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (_stale)
        {
            _groups.Clear();
            foreach (var node in nodes)
            {
                foreach (var pod in node.PodsWithRequiredAntiAffinity)
                {
                    Apply(node, pod, 1);
                }
            }

            _stale = false;
        }

        return _groups.Values;
    }

    internal void OnPod(NodeInfo node, PodInfo pod, int delta)
    {
        if (!_stale && pod.RequiredAntiAffinityTerms.Length > 0)
        {
            Apply(node, pod, delta);
        }
    }

    internal void Invalidate() => _stale = true;

    private void Apply(NodeInfo node, PodInfo pod, int delta)
    {
        foreach (var term in pod.RequiredAntiAffinityTerms)
        {
            if (node.Labels is null || !node.Labels.TryGetValue(term.TopologyKey, out var value))
            {
                continue;
            }

            if (!_groups.TryGetValue(term.Key, out var group))
            {
                _groups[term.Key] = group = new Group(term);
            }

            CollectionsMarshal.GetValueRefOrAddDefault(group.PerDomain, value, out _) += delta;
            group.Terms += delta;
            if (group.Terms == 0)
            {
                _groups.Remove(term.Key);
            }
        }
    }

    /// <summary>Equal terms of existing pods: one of them (they all select the same pods) and how many there are
    /// per domain of their topology key.</summary>
    public sealed class Group(AffinityTerm term)
    {
        public AffinityTerm Term { get; } = term;

        public Dictionary<string, int> PerDomain { get; } = new(StringComparer.Ordinal);

        public int Terms { get; set; }
    }
}
