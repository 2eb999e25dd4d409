using k8s;
using k8s.Models;

namespace Skiff.Client.Api;

/// <summary>
/// The API calls every component makes, for any kind (the kind comes from the model type, see
/// <see cref="ApiResource.For{T}"/>). <see cref="KubernetesApiClient"/> sends them through the official client;
/// tests use the in-memory fake in Skiff.Testing. Failures throw <see cref="ApiException"/> carrying the HTTP status
/// and the server's Status.
/// </summary>
/// <remarks>Objects returned are fresh copies owned by the caller. Objects passed in are not modified.</remarks>
public interface IApiClient
{
    /// <summary>One page (or all, without <see cref="ListOptions.Limit"/>) of the objects that match.</summary>
    Task<ObjectList<T>> ListAsync<T>(ListOptions options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>
    /// The events after <see cref="WatchOptions.ResourceVersion"/> until the server ends the stream. Throws
    /// <see cref="ApiException"/> with <see cref="ApiException.IsGone"/> when that revision is too old.
    /// </summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(WatchOptions options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>The object, or null when it does not exist.</summary>
    Task<T?> GetAsync<T>(string? ns, string name, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    Task<T> CreateAsync<T>(T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>As <see cref="CreateAsync{T}"/>, for a caller that uses only the created object's metadata (its
    /// generated name, its uid): the answer is read for its metadata alone, not decoded whole, and without
    /// <c>metadata.managedFields</c>.</summary>
    async Task<V1ObjectMeta> CreateForMetadataAsync<T>(T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        (await CreateAsync(obj, cancellationToken)).Metadata;

    /// <summary>As <see cref="PatchAsync{T}"/>, the answer read for its metadata alone, without
    /// <c>metadata.managedFields</c> (a kubelet's status patch needs nothing of the pod it gets back).</summary>
    async Task<V1ObjectMeta> PatchForMetadataAsync<T>(string? ns, string name, ApiPatch patch, CancellationToken cancellationToken, string? subresource = null)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        (await PatchAsync<T>(ns, name, patch, cancellationToken, subresource)).Metadata;

    /// <summary>PUT of the whole object (409 Conflict when its resourceVersion is stale).</summary>
    Task<T> UpdateAsync<T>(T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>PUT through the <c>status</c> subresource.</summary>
    Task<T> UpdateStatusAsync<T>(T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>PATCH of the object or of one of its subresources (<c>status</c>, <c>scale</c>).</summary>
    Task<T> PatchAsync<T>(string? ns, string name, ApiPatch patch, CancellationToken cancellationToken, string? subresource = null)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>DELETE; throws NotFound when the object is already gone (callers that do not care catch it).</summary>
    Task DeleteAsync<T>(string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>POST to a subresource of an object of kind <typeparamref name="T"/>, e.g. <c>pods/binding</c>,
    /// <c>pods/eviction</c>, <c>serviceaccounts/token</c>; returns the decoded answer.</summary>
    Task<TResult> CreateSubresourceAsync<T, TBody, TResult>(string? ns, string name, string subresource, TBody body, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TBody : class
        where TResult : class;

    /// <summary>PUT of the object through one of its subresources that takes the whole object, e.g.
    /// <c>namespaces/{name}/finalize</c>.</summary>
    Task<T> UpdateSubresourceAsync<T>(T obj, string subresource, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>Every resource the server serves, at each group's preferred version (discovery), for clients that act
    /// on kinds they do not know in advance (the namespace controller; custom resources included).</summary>
    Task<DiscoveryResult> DiscoverAsync(CancellationToken cancellationToken);

    /// <summary>The metadata of every object of <paramref name="resource"/> (any resource discovery names) in
    /// <paramref name="ns"/> (all namespaces when null).</summary>
    Task<IReadOnlyList<V1ObjectMeta>> ListMetadataAsync(ApiResource resource, string? ns, CancellationToken cancellationToken);

    /// <summary>DELETE of the collection: every object of <paramref name="resource"/> in <paramref name="ns"/>.</summary>
    Task DeleteCollectionAsync(ApiResource resource, string? ns, V1DeleteOptions? options, CancellationToken cancellationToken);

    /// <summary>DELETE of one object of any resource; throws NotFound when it is already gone.</summary>
    Task DeleteAsync(ApiResource resource, string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken);
}
