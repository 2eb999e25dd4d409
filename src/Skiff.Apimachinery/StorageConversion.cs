using k8s;
using k8s.Models;

namespace Skiff.Apimachinery;

/// <summary>
/// For a resource whose objects are stored in another version's shape, as Kubernetes stores <c>events.k8s.io/v1</c>
/// Events as core/v1 Events under <c>/registry/events/</c>: the registry writes <see cref="ToStorage"/>'s result and
/// converts what it reads back with <see cref="FromStorage"/>, so both APIs see the same objects.
/// </summary>
public interface IStorageConversion
{
    /// <summary>The model type stored, e.g. <c>Corev1Event</c>.</summary>
    Type StorageModelType { get; }

    IKubernetesObject<V1ObjectMeta> ToStorage(IKubernetesObject<V1ObjectMeta> served);

    IKubernetesObject<V1ObjectMeta> FromStorage(IKubernetesObject<V1ObjectMeta> stored);
}
