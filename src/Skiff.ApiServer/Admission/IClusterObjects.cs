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
}
