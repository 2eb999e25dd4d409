namespace Skiff.Scheduler.Cache;

/// <summary>
/// The <see cref="DomainCounter"/>s recent cycles asked for, kept up to date as pods come and go: a cycle reads
/// the counts of its spread constraints and affinity terms instead of walking every pod of the cluster (pods of
/// one workload share a selector, so the counter built for the first serves the rest). A counter is built on first
/// use from the nodes; node changes drop them all; the least recently used goes beyond <see cref="Capacity"/>,
/// which bounds the work each pod change costs.
/// </summary>
public sealed class MatchingPodCounts
{
    public const int Capacity = 16;

    private readonly Dictionary<string, DomainCounter> _counters = new(StringComparer.Ordinal);

    // Per topology key and required keys, how many domains the nodes have (for counters built from owned pods).
    private readonly Dictionary<string, int> _domainCounts = new(StringComparer.Ordinal);
    private long _clock;

    public int Count => _counters.Count;

    /// <summary>The counter for <paramref name="key"/> (which must determine the other arguments), built over
    /// <paramref name="nodes"/> (the cache's nodes) when missing.</summary>
    /// <param name="owned">When the query selects one controller's pods: gives the nodes holding them
    /// (<see cref="OwnedPodCounts.On"/>, the pods <paramref name="matches"/> selects exactly), which a missing counter
    /// is built from instead of walking every pod.</param>
    public DomainCounter Get(string key, string topologyKey, string[] requiredKeys, Func<PodInfo, bool> matches, NodeInfo[] nodes, Func<IReadOnlyDictionary<NodeInfo, int>?>? owned = null)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (!_counters.TryGetValue(key, out var counter))
        {
            if (_counters.Count >= Capacity)
            {
                _counters.Remove(_counters.MinBy(c => c.Value.LastUsed).Key);
            }

            counter = new DomainCounter(topologyKey, requiredKeys, matches);
            if (owned is not null)
            {
                counter.AddCounts(owned(), DomainCount(topologyKey, requiredKeys, nodes));
            }
            else
            {
                foreach (var node in nodes)
                {
                    counter.AddNode(node);
                }
            }

            _counters[key] = counter;
        }

        counter.LastUsed = ++_clock;
        return counter;
    }

    internal void OnPod(NodeInfo node, PodInfo pod, int delta)
    {
        foreach (var counter in _counters.Values)
        {
            counter.OnPod(node, pod, delta);
        }
    }

    internal void Clear()
    {
        _counters.Clear();
        _domainCounts.Clear();
    }

    private int DomainCount(string topologyKey, string[] requiredKeys, NodeInfo[] nodes)
    {
        var key = topologyKey + "\n" + string.Join(',', requiredKeys);
        if (!_domainCounts.TryGetValue(key, out var count))
        {
            var domains = new HashSet<string>(StringComparer.Ordinal);
            foreach (var node in nodes)
            {
                if (DomainCounter.DomainOf(node, topologyKey, requiredKeys) is { } value)
                {
                    domains.Add(value);
                }
            }

            _domainCounts[key] = count = domains.Count;
        }

        return count;
    }
}
