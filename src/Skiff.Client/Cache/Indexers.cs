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

    /// <summary>By the uid of the controller owner reference; objects without a controller under
    /// <see cref="OrphanKey"/> of their namespace (upstream's PodControllerUIDIndex with its OrphanPodIndexKey), so a
    /// controller reads what it controls and what it may adopt without walking its whole namespace.</summary>
    public const string ControllerUid = "controllerUID";

    /// <summary>The <see cref="ControllerUid"/> value of the objects of <paramref name="ns"/> that have no controller.</summary>
    public static string OrphanKey(string? ns) => "_ORPHAN/" + ns;

    public static IEnumerable<string> ByControllerUid(IKubernetesObject<V1ObjectMeta> obj) =>
        [obj.Metadata?.OwnerReferences?.FirstOrDefault(o => o.Controller == true)?.Uid is { Length: > 0 } uid ? uid : OrphanKey(obj.Metadata?.NamespaceProperty)];

    public static IEnumerable<string> ByNamespace(IKubernetesObject<V1ObjectMeta> obj) =>
        obj.Metadata?.NamespaceProperty is { Length: > 0 } ns ? [ns] : [];

    public static IEnumerable<string> ByOwner(IKubernetesObject<V1ObjectMeta> obj) =>
        obj.Metadata?.OwnerReferences?.Select(o => o.Uid).Where(uid => !string.IsNullOrEmpty(uid)) ?? [];

    public static IEnumerable<string> ByNodeName(V1Pod pod) => [pod.Spec?.NodeName ?? string.Empty];
}
