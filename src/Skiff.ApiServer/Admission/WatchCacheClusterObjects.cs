using k8s;
using k8s.Models;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Watch;

namespace Skiff.ApiServer.Admission;

/// <summary>The cluster's objects as the API server's watch cache holds them (no storage round trip); status
/// writes go through the registry's optimistic-concurrency update loop.</summary>
public sealed class WatchCacheClusterObjects(WatchCacheHub hub, ResourceIndex index, GenericRegistry? registry = null) : IClusterObjects
{
    public IKubernetesObject<V1ObjectMeta>? Get(string group, string plural, string? ns, string name)
    {
        var def = index.FindAnyVersion(group, plural);
        return def is null || hub.For(def).Get(def.StorageKey(ns, name)) is not { } cached ? null : ObjectDecoder.Present(def, cached).Decode();
    }

    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> List(string group, string plural)
    {
        var def = index.FindAnyVersion(group, plural);
        return def is null ? [] : [.. hub.For(def).Snapshot(string.Empty, _ => true).Select(cached => ObjectDecoder.Present(def, cached).Decode())];
    }

    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> List(string group, string plural, string ns)
    {
        var def = index.FindAnyVersion(group, plural);
        return def is null ? [] : [.. hub.For(def).Snapshot(def.StoragePrefixFor(ns), _ => true).Select(c => ObjectDecoder.Present(def, c).Decode())];
    }

    public async Task UpdateStatusAsync(
        string group, string plural, string ns, string name, bool dryRun,
        Func<IKubernetesObject<V1ObjectMeta>, IKubernetesObject<V1ObjectMeta>> mutate, CancellationToken ct)
    {
        var def = index.FindAnyVersion(group, plural) ?? throw new InvalidOperationException($"{plural}.{group} is not served");
        if (registry is null)
        {
            throw new NotSupportedException("no registry to write through");
        }

        await registry.GuaranteedUpdateAsync(def, ns, name, retryOnConflict: true, dryRun, (current, _) => mutate(current), ct);
    }
}
