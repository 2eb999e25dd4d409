using k8s;
using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Client.Tests;

/// <summary>One candidate's view of a shared fake API that a test can cut off (every call fails as when the
/// network to the API server is down).</summary>
internal sealed class PartitionedApi(IApiClient inner) : IApiClient
{
    public volatile bool Partitioned;

    public Task<ObjectList<T>> ListAsync<T>(ListOptions options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta> => Partitioned ? throw Refused() : inner.ListAsync<T>(options, cancellationToken);

    public IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(WatchOptions options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
        => Partitioned ? throw Refused() : inner.WatchAsync<T>(options, cancellationToken);

    public Task<T?> GetAsync<T>(string? ns, string name, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta> => Partitioned ? throw Refused() : inner.GetAsync<T>(ns, name, cancellationToken);

    public Task<T> CreateAsync<T>(T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta> => Partitioned ? throw Refused() : inner.CreateAsync(obj, cancellationToken);

    public Task<T> UpdateAsync<T>(T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta> => Partitioned ? throw Refused() : inner.UpdateAsync(obj, cancellationToken);

    public Task<T> UpdateStatusAsync<T>(T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta> => Partitioned ? throw Refused() : inner.UpdateStatusAsync(obj, cancellationToken);

    public Task<T> PatchAsync<T>(string? ns, string name, ApiPatch patch, CancellationToken cancellationToken, string? subresource = null)
        where T : class, IKubernetesObject<V1ObjectMeta> => Partitioned ? throw Refused() : inner.PatchAsync<T>(ns, name, patch, cancellationToken, subresource);

    public Task DeleteAsync<T>(string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta> => Partitioned ? throw Refused() : inner.DeleteAsync<T>(ns, name, options, cancellationToken);

    public Task<TResult> CreateSubresourceAsync<T, TBody, TResult>(string? ns, string name, string subresource, TBody body, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TBody : class
        where TResult : class => Partitioned ? throw Refused() : inner.CreateSubresourceAsync<T, TBody, TResult>(ns, name, subresource, body, cancellationToken);

    public Task<T> UpdateSubresourceAsync<T>(T obj, string subresource, CancellationToken cancellationToken)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta> => Partitioned ? throw Refused() : inner.UpdateSubresourceAsync(obj, subresource, cancellationToken);

    public Task<DiscoveryResult> DiscoverAsync(CancellationToken cancellationToken) => Partitioned ? throw Refused() : inner.DiscoverAsync(cancellationToken);

    public Task<IReadOnlyList<V1ObjectMeta>> ListMetadataAsync(ApiResource resource, string? ns, CancellationToken cancellationToken) =>
        Partitioned ? throw Refused() : inner.ListMetadataAsync(resource, ns, cancellationToken);

    public Task DeleteCollectionAsync(ApiResource resource, string? ns, V1DeleteOptions? options, CancellationToken cancellationToken) =>
        Partitioned ? throw Refused() : inner.DeleteCollectionAsync(resource, ns, options, cancellationToken);

    public Task DeleteAsync(ApiResource resource, string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken) =>
        Partitioned ? throw Refused() : inner.DeleteAsync(resource, ns, name, options, cancellationToken);

    private static ApiException Refused() => new(0, null, "connection refused");
}
