using k8s;
using k8s.Models;

namespace Skiff.Client.Informers;

/// <summary>What one informer lists and watches. Informers of one type with equal options are shared.</summary>
public sealed record InformerOptions
{
    /// <summary>Null for every namespace.</summary>
    public string? Namespace { get; init; }

    public string? LabelSelector { get; init; }

    /// <summary>e.g. <c>spec.nodeName=n1</c> for a kubelet's pods.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>The page size of lists (the reflector's 500).</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>Keep <c>metadata.managedFields</c> in the cache; dropped by default, as kube-scheduler and
    /// kube-controller-manager drop them, to save memory.</summary>
    public bool KeepManagedFields { get; init; }

    /// <summary>How long a watch may stay silent (no event, no bookmark) before it is taken for dead and the informer
    /// lists and watches again. A healthy stream is never that quiet: watches ask for bookmarks, which Skiff's API
    /// server sends every 30 s and kube-apiserver's watch cache about every minute; but a stream on a connection
    /// that died without a reset (its packets rewritten or dropped by NAT) waits forever, and so would a cache that
    /// believes itself in sync. Zero or less: never.</summary>
    public TimeSpan WatchIdleTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Applied to every object before it enters the cache and reaches the handlers (client-go's
    /// SetTransform): a process that reads few fields of a kind keeps only those, as CoreDNS keeps its own small
    /// Service and Endpoints records. It must return an object of the informer's type with the same key, uid and
    /// resourceVersion, and may return the object it was given, changed. Informers are shared by equal options, so
    /// pass one delegate instance (a static field) to share.</summary>
    public Func<IKubernetesObject<V1ObjectMeta>, IKubernetesObject<V1ObjectMeta>>? Transform { get; init; }

    public static InformerOptions Default { get; } = new();
}
