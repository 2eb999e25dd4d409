using k8s;
using k8s.Models;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Informers;

namespace Skiff.Controllers.GarbageCollection;

/// <summary><see cref="IGarbageKind"/> over the shared informer of <typeparamref name="T"/>.</summary>
internal sealed class GarbageKind<T> : IGarbageKind
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IApiClient _api;
    private readonly SharedInformer<T> _informer;

    public GarbageKind(IApiClient api, SharedInformer<T> informer)
    {
        _api = api;
        _informer = informer;
        var resource = ApiResource.For<T>();
        ApiVersion = resource.Group.Length == 0 ? resource.Version : $"{resource.Group}/{resource.Version}";
        Kind = resource.Kind;
    }

    public string ApiVersion { get; }

    public string Kind { get; }

    public SharedInformer<T> Informer => _informer;

    public V1ObjectMeta? Cached(string? ns, string name) => _informer.Cache.Get(ns, name)?.Metadata;

    public IReadOnlyList<V1ObjectMeta> DependentsOf(string ownerUid) =>
        _informer.Cache.ByIndex(Indexers.Owner, ownerUid).Select(o => o.Metadata).ToList();

    public async Task<V1ObjectMeta?> GetLiveAsync(string? ns, string name, CancellationToken cancellationToken) =>
        (await _api.GetAsync<T>(ns, name, cancellationToken))?.Metadata;

    public async Task DeleteAsync(V1ObjectMeta meta, string propagation, CancellationToken cancellationToken)
    {
        try
        {
            await _api.DeleteAsync<T>(meta.NamespaceProperty, meta.Name, new V1DeleteOptions
            {
                PropagationPolicy = propagation,
                Preconditions = new V1Preconditions { Uid = meta.Uid },
            }, cancellationToken);
        }
        catch (ApiException e) when (e.IsNotFound || e.IsConflict)
        {
            // Gone already, or a new object of the same name: not ours to delete.
        }
    }

    public async Task PatchAsync(V1ObjectMeta meta, ApiPatch patch, CancellationToken cancellationToken)
    {
        try
        {
            await _api.PatchAsync<T>(meta.NamespaceProperty, meta.Name, patch, cancellationToken);
        }
        catch (ApiException e) when (e.IsNotFound)
        {
        }
    }

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _informer.WaitForSyncAsync(cancellationToken);
}
