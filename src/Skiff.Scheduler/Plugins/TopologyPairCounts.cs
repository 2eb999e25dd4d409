using System.Runtime.InteropServices;
using Skiff.Scheduler.Cache;

namespace Skiff.Scheduler.Plugins;

/// <summary>
/// Counts per topology pair (label key, value), upstream's topologyToMatchedTermCount, grouped by key so a node
/// is checked with one label lookup per key in use (usually one or two) rather than a lookup per node label.
/// </summary>
internal sealed class TopologyPairCounts
{
    private readonly Dictionary<string, Dictionary<string, long>> _byKey = new(StringComparer.Ordinal);

    public bool IsEmpty { get; private set; } = true;

    /// <summary>Zeroes every count and keeps the dictionaries: with one pair per node (hostname keys) they reach
    /// thousands of entries, and allocating them per cycle put them on the large object heap (a gen2 collection
    /// every few cycles, measured as half the CPU of the anti-affinity benchmark).</summary>
    public void Clear()
    {
        foreach (var values in _byKey.Values)
        {
            values.Clear();
        }

        IsEmpty = true;
    }

    public void Add(string key, string value, long delta)
    {
        if (!_byKey.TryGetValue(key, out var values))
        {
            _byKey[key] = values = new Dictionary<string, long>(StringComparer.Ordinal);
        }

        ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(values, value, out _);
        count += delta;
        IsEmpty = false;
    }

    public long Get(string key, string value) =>
        _byKey.TryGetValue(key, out var values) ? values.GetValueOrDefault(value) : 0;

    /// <summary>Whether any pair the node is in has a positive count (upstream's check over the node's labels).</summary>
    public bool AnyPositiveOn(NodeInfo node)
    {
        if (node.Labels is null)
        {
            return false;
        }

        foreach (var (key, values) in _byKey)
        {
            if (node.Label(key) is { } value && values.GetValueOrDefault(value) > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The sum of the counts of the pairs the node is in (the score of a node).</summary>
    public long SumOn(NodeInfo node)
    {
        if (node.Labels is null)
        {
            return 0;
        }

        long total = 0;
        foreach (var (key, values) in _byKey)
        {
            if (node.Label(key) is { } value)
            {
                total += values.GetValueOrDefault(value);
            }
        }

        return total;
    }

    /// <summary>Every (key, value, count) with a non-zero count, for tests.</summary>
    public IEnumerable<(string Key, string Value, long Count)> NonZero() =>
        _byKey.SelectMany(k => k.Value.Where(v => v.Value != 0).Select(v => (k.Key, v.Key, v.Value)));
}
