using k8s.Models;

namespace Skiff.Networking.NetworkPolicy;

/// <summary>The cluster's policed pods indexed by namespace, and the namespaces' labels, for one computation.</summary>
internal sealed class PolicyWorld
{
    private static readonly Dictionary<string, string> NoLabels = [];
    private readonly Dictionary<string, List<PolicyPod>> _byNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IDictionary<string, string>> _namespaceLabels = new(StringComparer.Ordinal);

    public PolicyWorld(IEnumerable<V1Pod> pods, IEnumerable<V1Namespace> namespaces)
    {
        foreach (var pod in pods.Select(PolicyPod.From).OfType<PolicyPod>()
                     .OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal))
        {
            if (!_byNamespace.TryGetValue(pod.Namespace, out var list))
            {
                list = [];
                _byNamespace[pod.Namespace] = list;
            }

            list.Add(pod);
            All.Add(pod);
        }

        foreach (var ns in namespaces)
        {
            if (ns.Metadata?.Name is { } name)
            {
                _namespaceLabels[name] = ns.Metadata.Labels ?? NoLabels;
            }
        }
    }

    public List<PolicyPod> All { get; } = [];

    public IReadOnlyList<PolicyPod> InNamespace(string ns) => _byNamespace.TryGetValue(ns, out var list) ? list : [];

    /// <summary>A namespace's labels; one not (yet) in the cache has only its immutable name label, which the API
    /// server puts on every namespace.</summary>
    public IDictionary<string, string> NamespaceLabels(string ns) =>
        _namespaceLabels.TryGetValue(ns, out var labels) ? labels : new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = ns };
}
