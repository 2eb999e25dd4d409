using k8s;
using k8s.Models;

namespace Skiff.Kubelet.Api;

/// <summary>
/// The API server calls the kubelet makes. <see cref="KubernetesKubeletApi"/> implements it with the official client;
/// the interface lets unit tests observe and fail these calls. Reads return null for 404; other failures throw
/// <see cref="KubeletApiException"/> carrying the HTTP status (409 Conflict on a stale resourceVersion).
/// </summary>
public interface IKubeletApi
{
    Task<V1Node?> GetNodeAsync(string name, CancellationToken cancellationToken);

    Task<V1Node> CreateNodeAsync(V1Node node, CancellationToken cancellationToken);

    Task<V1Node> ReplaceNodeAsync(V1Node node, CancellationToken cancellationToken);

    /// <summary>Writes <c>status</c> through the nodes/status subresource.</summary>
    Task<V1Node> ReplaceNodeStatusAsync(V1Node node, CancellationToken cancellationToken);

    Task<V1Lease?> GetLeaseAsync(string namespaceName, string name, CancellationToken cancellationToken);

    Task<V1Lease> CreateLeaseAsync(V1Lease lease, CancellationToken cancellationToken);

    Task<V1Lease> ReplaceLeaseAsync(V1Lease lease, CancellationToken cancellationToken);

    Task<V1PodList> ListPodsAsync(string fieldSelector, CancellationToken cancellationToken);

    /// <summary>Watches pods from <paramref name="resourceVersion"/>; ends when the server closes the stream.
    /// Throws <see cref="WatchExpiredException"/> when the version is too old (410 Gone).</summary>
    IAsyncEnumerable<(WatchEventType Type, V1Pod Pod)> WatchPodsAsync(
        string fieldSelector, string resourceVersion, CancellationToken cancellationToken);

    Task<V1Pod?> GetPodAsync(string namespaceName, string name, CancellationToken cancellationToken);

    Task<V1Pod> CreatePodAsync(V1Pod pod, CancellationToken cancellationToken);

    Task<V1Pod> ReplacePodAsync(V1Pod pod, CancellationToken cancellationToken);

    /// <summary>Writes <c>status</c> through the pods/status subresource.</summary>
    Task<V1Pod> ReplacePodStatusAsync(V1Pod pod, CancellationToken cancellationToken);

    /// <summary>Deletes the pod if it still has <paramref name="uid"/>; a pod already gone is not an error.</summary>
    Task DeletePodAsync(
        string namespaceName, string name, string uid, long gracePeriodSeconds, CancellationToken cancellationToken);

    Task<V1ConfigMap?> GetConfigMapAsync(string namespaceName, string name, CancellationToken cancellationToken);

    Task<V1Secret?> GetSecretAsync(string namespaceName, string name, CancellationToken cancellationToken);
}
