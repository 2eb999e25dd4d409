using k8s;
using k8s.Models;

namespace Skiff.ApiServer.Admission;

/// <summary>What admission plugins may read of the cluster: objects by group, plural, namespace and name.</summary>
public interface IClusterObjects
{
    /// <summary>The object, or null when it does not exist (or its resource is not served).</summary>
    IKubernetesObject<V1ObjectMeta>? Get(string group, string plural, string? ns, string name);

    /// <summary>Every object of a resource in every namespace (empty when its resource is not served).</summary>
    IReadOnlyList<IKubernetesObject<V1ObjectMeta>> List(string group, string plural);

    /// <summary>The objects of a resource in a namespace (as the watch cache holds them; upstream's listers).</summary>
    IReadOnlyList<IKubernetesObject<V1ObjectMeta>> List(string group, string plural, string ns) => [];

    /// <summary>
    /// A value computed from one object (null when it does not exist), which the view may keep while the object stays
    /// as it is: what a plugin reads of a namespace or a service account on every pod create, without decoding the
    /// object each time. <paramref name="derive"/> must be one instance per purpose (a static field), return a value
    /// no caller changes, and neither keep nor change the object it is given.
    /// </summary>
    T Derived<T>(string group, string plural, string? ns, string name, Func<IKubernetesObject<V1ObjectMeta>?, T> derive)
    {
        ArgumentNullException.ThrowIfNull(derive);
        return derive(Get(group, plural, ns, name));
    }

    /// <summary>
    /// A value computed from every object of a resource (in every namespace), kept by the view until one of them
    /// changes; the same rules for <paramref name="derive"/> as <see cref="Derived"/>.
    /// </summary>
    T DerivedFromAll<T>(string group, string plural, Func<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>, T> derive)
    {
        ArgumentNullException.ThrowIfNull(derive);
        return derive(List(group, plural));
    }

    /// <summary>
    /// A read-modify-write of one object's status against storage with optimistic concurrency (retried on conflict
    /// with the newest object), as upstream's ResourceQuota plugin updates quota usage. <paramref name="mutate"/> may
    /// throw to refuse; with <paramref name="dryRun"/> nothing is written.
    /// </summary>
    Task UpdateStatusAsync(
        string group, string plural, string ns, string name, bool dryRun,
        Func<IKubernetesObject<V1ObjectMeta>, IKubernetesObject<V1ObjectMeta>> mutate, CancellationToken ct) =>
        throw new NotSupportedException("this view of the cluster is read-only");
}
