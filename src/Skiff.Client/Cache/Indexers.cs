using k8s;
using k8s.Models;

namespace Skiff.Client.Cache;

/// <summary>An index function: the index values of one object (e.g. its namespace, its node, its owners' uids).</summary>
public delegate IEnumerable<string> IndexFunc<in T>(T obj);

/// <summary>The indexes every component uses, by the names client-go gives them where it has one.</summary>
public static class Indexers
{
    /// <summary>By <c>metadata.namespace</c> (every informer has it).</summary>
    public const string Namespace = "namespace";

    /// <summary>By the uid of each owner reference (every informer has it).</summary>
    public const string Owner = "owner";

    /// <summary>Pods by <c>spec.nodeName</c> (unscheduled pods under the empty string).</summary>
    public const string NodeName = "spec.nodeName";

    public static IEnumerable<string> ByNamespace(IKubernetesObject<V1ObjectMeta> obj) =>
        obj.Metadata?.NamespaceProperty is { Length: > 0 } ns ? [ns] : [];

    public static IEnumerable<string> ByOwner(IKubernetesObject<V1ObjectMeta> obj) =>
        obj.Metadata?.OwnerReferences?.Select(o => o.Uid).Where(uid => !string.IsNullOrEmpty(uid)) ?? [];

    public static IEnumerable<string> ByNodeName(V1Pod pod) => [pod.Spec?.NodeName ?? string.Empty];
}
