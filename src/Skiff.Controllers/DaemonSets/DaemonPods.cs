using k8s.Models;

namespace Skiff.Controllers.DaemonSets;

/// <summary>Labels and lookups on daemon pods (upstream's daemon util).</summary>
public static class DaemonPods
{
    public const string TemplateGenerationLabel = "pod-template-generation";
    public const string RevisionHashLabel = "controller-revision-hash";

    /// <summary>upstream's IsPodUpdated: the pod carries the current template generation or revision hash.</summary>
    public static bool IsUpdated(V1Pod pod, string hash, long? generation)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var labels = pod.Metadata.Labels;
        string? value = null;
        var templateMatches = generation is { } g && labels?.TryGetValue(TemplateGenerationLabel, out value) == true
            && value == g.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var hashMatches = hash.Length > 0 && labels?.TryGetValue(RevisionHashLabel, out value) == true && value == hash;
        return hashMatches || templateMatches;
    }

    /// <summary>The node a daemon pod is for: spec.nodeName once bound, else its <c>metadata.name In [node]</c> affinity.</summary>
    public static string? TargetNode(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            return pod.Spec.NodeName;
        }

        var terms = pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms ?? [];
        foreach (var term in terms)
        {
            foreach (var field in term.MatchFields ?? [])
            {
                if (field.Key == "metadata.name" && field.OperatorProperty == "In" && field.Values is { Count: 1 } values)
                {
                    return values[0];
                }
            }
        }

        return null;
    }

    /// <summary>upstream's ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes the one term
    /// selecting <paramref name="nodeName"/>, preferred terms stay; the scheduler then binds the pod there.</summary>
    public static void PinToNode(V1PodSpec spec, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Affinity ??= new V1Affinity();
        spec.Affinity.NodeAffinity ??= new V1NodeAffinity();
        spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
        {
            NodeSelectorTerms =
            [
                new V1NodeSelectorTerm
                {
                    MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = [nodeName] }],
                },
            ],
        };
    }

    /// <summary>Oldest first, running before pending at equal age (upstream's podByCreationTimestampAndPhase).</summary>
    public static IOrderedEnumerable<V1Pod> OldestFirst(IEnumerable<V1Pod> pods) =>
        pods.OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(p => p.Status?.Phase == "Running" ? 0 : 1)
            .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal);
}
