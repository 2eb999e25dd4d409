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
    /// A read-modify-write of one object's status against storage with optimistic concurrency (retried on conflict
    /// with the newest object), as upstream's ResourceQuota plugin updates quota usage. <paramref name="mutate"/> may
    /// throw to refuse; with <paramref name="dryRun"/> nothing is written.
    /// </summary>
    Task UpdateStatusAsync(
        string group, string plural, string ns, string name, bool dryRun,
        Func<IKubernetesObject<V1ObjectMeta>, IKubernetesObject<V1ObjectMeta>> mutate, CancellationToken ct) =>
        throw new NotSupportedException("this view of the cluster is read-only");
}
