using k8s.Models;
using Skiff.Api.Selection;

namespace Skiff.Scheduler.Cache;

/// <summary>
/// One pod (anti-)affinity term of a pod, read once: its topology key, the namespaces it looks in (the owner's
/// own when none is named; an empty namespaceSelector means all) and its compiled label selector, with the weight
/// of a preferred term (1 for a required one, upstream's hardPodAffinityWeight when it scores).
/// </summary>
public sealed class AffinityTerm
{
    private readonly bool _allNamespaces;
    private readonly string[] _namespaces;
    private readonly CompiledSelector _selector;
    private string? _key;

    public AffinityTerm(V1PodAffinityTerm term, string ownerNamespace, int weight = 1)
    {
        ArgumentNullException.ThrowIfNull(term);
        Term = term;
        TopologyKey = term.TopologyKey;
        Weight = weight;
        _allNamespaces = term.NamespaceSelector is not null && LabelSelectors.IsEmpty(term.NamespaceSelector);
        _namespaces = term.Namespaces is { Count: > 0 } named ? named.ToArray()
            : term.NamespaceSelector is null ? [ownerNamespace]
            : [];
        _selector = new CompiledSelector(term.LabelSelector);
    }

    public V1PodAffinityTerm Term { get; }

    public string TopologyKey { get; }

    public int Weight { get; }

    /// <summary>A text equal for terms that select the same pods in the same topology (namespaces, selector and
    /// topology key), for the cache's counts shared between pods with equal terms.</summary>
    public string Key => _key ??= TopologyKey + "\u0004" + (_allNamespaces ? "*" : string.Join(',', _namespaces.Order(StringComparer.Ordinal))) + "\u0004" + _selector.Key;

    /// <summary>Whether the term selects <paramref name="candidate"/> (namespace and labels).</summary>
    public bool Selects(PodInfo candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        return (_allNamespaces || Array.IndexOf(_namespaces, candidate.Namespace) >= 0) && _selector.Matches(candidate.Labels);
    }
}
