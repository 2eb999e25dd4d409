using System.Net;
using System.Runtime.CompilerServices;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Skiff.Kubelet.Api;

/// <summary><see cref="IKubeletApi"/> through the official client (<see cref="IKubernetes"/>), over HTTPS.</summary>
public sealed class KubernetesKubeletApi(IKubernetes client) : IKubeletApi
{
    /// <summary>The server ends a watch after this long; the pod source then resumes from the last version.</summary>
    private const int WatchTimeoutSeconds = 300;

    public Task<V1Node?> GetNodeAsync(string name, CancellationToken cancellationToken) =>
        OrNullAsync(() => client.CoreV1.ReadNodeAsync(name, cancellationToken: cancellationToken));

    public Task<V1Node> CreateNodeAsync(V1Node node, CancellationToken cancellationToken) =>
        CallAsync(() => client.CoreV1.CreateNodeAsync(node, cancellationToken: cancellationToken));

    public Task<V1Node> ReplaceNodeAsync(V1Node node, CancellationToken cancellationToken) =>
        CallAsync(() => client.CoreV1.ReplaceNodeAsync(node, node.Metadata.Name, cancellationToken: cancellationToken));

    public Task<V1Node> ReplaceNodeStatusAsync(V1Node node, CancellationToken cancellationToken) =>
        CallAsync(() => client.CoreV1.ReplaceNodeStatusAsync(
            node, node.Metadata.Name, cancellationToken: cancellationToken));

    public Task<V1Lease?> GetLeaseAsync(string namespaceName, string name, CancellationToken cancellationToken) =>
        OrNullAsync(() => client.CoordinationV1.ReadNamespacedLeaseAsync(
            name, namespaceName, cancellationToken: cancellationToken));

    public Task<V1Lease> CreateLeaseAsync(V1Lease lease, CancellationToken cancellationToken) =>
        CallAsync(() => client.CoordinationV1.CreateNamespacedLeaseAsync(
            lease, lease.Metadata.NamespaceProperty, cancellationToken: cancellationToken));

    public Task<V1Lease> ReplaceLeaseAsync(V1Lease lease, CancellationToken cancellationToken) =>
        CallAsync(() => client.CoordinationV1.ReplaceNamespacedLeaseAsync(
            lease, lease.Metadata.Name, lease.Metadata.NamespaceProperty, cancellationToken: cancellationToken));

    public Task<V1PodList> ListPodsAsync(string fieldSelector, CancellationToken cancellationToken) =>
        CallAsync(() => client.CoreV1.ListPodForAllNamespacesAsync(
            fieldSelector: fieldSelector, cancellationToken: cancellationToken));

    public async IAsyncEnumerable<(WatchEventType Type, V1Pod Pod)> WatchPodsAsync(
        string fieldSelector, string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Exception? streamError = null;
        var events = client.CoreV1.WatchListPodForAllNamespacesAsync(
            fieldSelector: fieldSelector,
            resourceVersion: resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: WatchTimeoutSeconds,
            onError: error => streamError ??= error,
            cancellationToken: cancellationToken);
        await using var enumerator = events.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            bool more;
            try
            {
                more = await enumerator.MoveNextAsync();
            }
            catch (HttpOperationException e)
            {
                throw Translate(e);
            }

            if (!more)
            {
                break;
            }

            yield return enumerator.Current;
        }

        // An ERROR event (a Status in the stream) reaches us through the callback; the server ends the stream after it.
        switch (streamError)
        {
            case null:
                break;
            case KubernetesException { Status.Code: (int)HttpStatusCode.Gone } gone:
                throw new WatchExpiredException(gone.Message, gone);
            case KubernetesException k:
                throw new KubeletApiException((HttpStatusCode)(k.Status?.Code ?? 500), k.Message, k);
            default:
                throw new KubeletApiException(HttpStatusCode.InternalServerError, streamError.Message, streamError);
        }
    }

    public Task<V1Pod?> GetPodAsync(string namespaceName, string name, CancellationToken cancellationToken) =>
        OrNullAsync(() => client.CoreV1.ReadNamespacedPodAsync(name, namespaceName, cancellationToken: cancellationToken));

    public Task<V1Pod> CreatePodAsync(V1Pod pod, CancellationToken cancellationToken) =>
        CallAsync(() => client.CoreV1.CreateNamespacedPodAsync(
            pod, pod.Metadata.NamespaceProperty ?? "default", cancellationToken: cancellationToken));

    public Task<V1Pod> ReplacePodAsync(V1Pod pod, CancellationToken cancellationToken) =>
        CallAsync(() => client.CoreV1.ReplaceNamespacedPodAsync(
            pod, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken));

    public Task<V1Pod> ReplacePodStatusAsync(V1Pod pod, CancellationToken cancellationToken) =>
        CallAsync(() => client.CoreV1.ReplaceNamespacedPodStatusAsync(
            pod, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken));

    public async Task DeletePodAsync(
        string namespaceName, string name, string uid, long gracePeriodSeconds, CancellationToken cancellationToken)
    {
        var options = new V1DeleteOptions
        {
            GracePeriodSeconds = gracePeriodSeconds,
            Preconditions = new V1Preconditions { Uid = uid },
        };
        try
        {
            await CallAsync(() => client.CoreV1.DeleteNamespacedPodAsync(
                name, namespaceName, options, gracePeriodSeconds: (int)gracePeriodSeconds, cancellationToken: cancellationToken));
        }
        catch (KubeletApiException e) when (e.IsNotFound)
        {
            // Already gone: what we wanted.
        }
    }

    public Task<V1ConfigMap?> GetConfigMapAsync(string namespaceName, string name, CancellationToken cancellationToken) =>
        OrNullAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync(
            name, namespaceName, cancellationToken: cancellationToken));

    public Task<V1Secret?> GetSecretAsync(string namespaceName, string name, CancellationToken cancellationToken) =>
        OrNullAsync(() => client.CoreV1.ReadNamespacedSecretAsync(
            name, namespaceName, cancellationToken: cancellationToken));

    private static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (HttpOperationException e)
        {
            throw Translate(e);
        }
    }

    private static async Task<T?> OrNullAsync<T>(Func<Task<T>> call)
        where T : class
    {
        try
        {
            return await CallAsync(call);
        }
        catch (KubeletApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    private static Exception Translate(HttpOperationException e)
    {
        var code = e.Response?.StatusCode ?? HttpStatusCode.InternalServerError;
        var message = string.IsNullOrEmpty(e.Response?.Content) ? e.Message : e.Response.Content;
        return code == HttpStatusCode.Gone
            ? new WatchExpiredException(message, e)
            : new KubeletApiException(code, message, e);
    }
}
