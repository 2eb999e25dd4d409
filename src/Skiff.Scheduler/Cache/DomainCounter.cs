using System.Runtime.InteropServices;

namespace Skiff.Scheduler.Cache;

/// <summary>
/// How many pods a query selects in each topology domain (value of <see cref="TopologyKey"/>), over the nodes that
/// have every one of <see cref="RequiredKeys"/>: each such node's domain is present, with 0 when no pod matches
/// (upstream's TpPairToMatchNum / topologyToMatchedTermCount, kept across cycles by <see cref="MatchingPodCounts"/>).
/// A counter built from a controller's pods (<see cref="OwnedPodCounts"/>) holds only the domains where it has
/// pods; <see cref="DomainCount"/> says how many domains there are either way. Read-only to plugins.
/// </summary>
public sealed class DomainCounter
{
    private readonly Func<PodInfo, bool> _matches;

    internal DomainCounter(string topologyKey, string[] requiredKeys, Func<PodInfo, bool> matches)
    {
        TopologyKey = topologyKey;
        RequiredKeys = requiredKeys;
        _matches = matches;
    }

    public string TopologyKey { get; }

    public string[] RequiredKeys { get; }

    public Dictionary<string, int> PerDomain { get; } = new(StringComparer.Ordinal);

    /// <summary>The domains of the nodes with the required keys (those missing from <see cref="PerDomain"/> count 0).</summary>
    public int DomainCount => _domainCount ?? PerDomain.Count;

    private int? _domainCount;

    /// <summary>All matching pods counted (on nodes with the required keys).</summary>
    public int Total { get; private set; }

    internal long LastUsed { get; set; }

    /// <summary>Counts <paramref name="node"/> and its pods from scratch (the counter is being built).</summary>
    internal void AddNode(NodeInfo node)
    {
        if (DomainOf(node) is not { } value)
        {
            return;
        }

        var matching = 0;
        foreach (var pod in node.Pods)
        {
            if (_matches(pod))
            {
                matching++;
            }
        }

        CollectionsMarshal.GetValueRefOrAddDefault(PerDomain, value, out _) += matching;
        Total += matching;
    }

    /// <summary>Builds the counter from the nodes holding matching pods only (<paramref name="owned"/>), over
    /// <paramref name="domainCount"/> domains in all.</summary>
    internal void AddCounts(IReadOnlyDictionary<NodeInfo, int>? owned, int domainCount)
    {
        _domainCount = domainCount;
        if (owned is null)
        {
            return; // the controller has no pod yet
        }

        foreach (var (node, count) in owned)
        {
            if (node.Exists && DomainOf(node) is { } value)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(PerDomain, value, out _) += count;
                Total += count;
            }
        }
    }

    /// <summary>A pod came to (delta 1) or left (delta −1) an existing node.</summary>
    internal void OnPod(NodeInfo node, PodInfo pod, int delta)
    {
        if (DomainOf(node) is not { } value || !_matches(pod))
        {
            return;
        }

        CollectionsMarshal.GetValueRefOrAddDefault(PerDomain, value, out _) += delta;
        Total += delta;
    }

    private string? DomainOf(NodeInfo node) => DomainOf(node, TopologyKey, RequiredKeys);

    /// <summary>The value of <paramref name="topologyKey"/> on a node with every one of <paramref name="requiredKeys"/>,
    /// else null.</summary>
    internal static string? DomainOf(NodeInfo node, string topologyKey, string[] requiredKeys)
    {
        if (node.Labels is not { } labels)
        {
            return null;
        }

        foreach (var key in requiredKeys)
        {
            if (!labels.ContainsKey(key))
            {
                return null;
            }
        }

        return labels.TryGetValue(topologyKey, out var value) ? value : null;
    }
}
