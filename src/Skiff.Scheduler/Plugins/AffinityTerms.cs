using k8s.Models;
using Skiff.Api.Selection;
using Skiff.Scheduler.Cache;

namespace Skiff.Scheduler.Plugins;

/// <summary>Whether a pod (anti-)affinity term of one pod selects another pod: the other pod is in the term's
/// namespaces (the owner's own when none is named; an empty namespaceSelector means all) and its labels match.</summary>
public static class AffinityTerms
{
    public static bool Selects(V1PodAffinityTerm term, string ownerNamespace, PodInfo candidate)
    {
        ArgumentNullException.ThrowIfNull(term);
        ArgumentNullException.ThrowIfNull(candidate);
        var allNamespaces = term.NamespaceSelector is not null && LabelSelectors.IsEmpty(term.NamespaceSelector);
        if (!allNamespaces)
        {
            var namespaces = term.Namespaces;
            var inNamespace = namespaces is { Count: > 0 }
                ? namespaces.Contains(candidate.Namespace)
                : term.NamespaceSelector is null && candidate.Namespace == ownerNamespace;
            if (!inNamespace)
            {
                return false;
            }
        }

        return LabelSelectors.Matches(term.LabelSelector, candidate.Labels);
    }

    /// <summary>The node's value for <paramref name="topologyKey"/>, or null when the node lacks the label.</summary>
    public static string? TopologyValue(NodeInfo node, string topologyKey)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Label(topologyKey);
    }
}
