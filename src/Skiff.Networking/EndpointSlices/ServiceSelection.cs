using k8s.Models;
using Skiff.Client.Cache;

namespace Skiff.Networking.EndpointSlices;

/// <summary>Which Services select a pod: the key of every Service in the pod's namespace whose selector its labels
/// match (upstream's GetPodServiceMemberships).</summary>
internal static class ServiceSelection
{
    public static IEnumerable<string> ServicesOf(V1Pod pod, IReadOnlyCache<V1Service> services)
    {
        var labels = pod.Metadata.Labels;
        if (labels is null)
        {
            return [];
        }

        return services.ByIndex(Indexers.Namespace, pod.Metadata.NamespaceProperty ?? string.Empty)
            .Where(s => s.Spec?.Selector is { Count: > 0 } selector
                && selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
            .Select(ObjectKeys.Of);
    }
}
