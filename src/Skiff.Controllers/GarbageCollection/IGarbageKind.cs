using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Controllers.GarbageCollection;

/// <summary>One kind the garbage collector watches: its cache, its dependents index and its writes.</summary>
internal interface IGarbageKind
{
    string ApiVersion { get; }

    string Kind { get; }

    V1ObjectMeta? Cached(string? ns, string name);

    /// <summary>The objects of this kind that list <paramref name="ownerUid"/> among their owners.</summary>
    IReadOnlyList<V1ObjectMeta> DependentsOf(string ownerUid);

    Task<V1ObjectMeta?> GetLiveAsync(string? ns, string name, CancellationToken cancellationToken);

    Task DeleteAsync(V1ObjectMeta meta, string propagation, CancellationToken cancellationToken);

    Task PatchAsync(V1ObjectMeta meta, ApiPatch patch, CancellationToken cancellationToken);

    Task WaitForSyncAsync(CancellationToken cancellationToken);
}
