using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using Skiff.Apimachinery;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Watch;

namespace Skiff.ApiServer.Admission;

/// <summary>The cluster's objects as the API server's watch cache holds them (no storage round trip); status
/// writes go through the registry's optimistic-concurrency update loop. Derived values are kept with the cached
/// object they came from (a changed object is a new cached object) or with the resource's generation.</summary>
public sealed class WatchCacheClusterObjects(WatchCacheHub hub, ResourceIndex index, GenericRegistry? registry = null) : IClusterObjects
{
    private readonly ConditionalWeakTable<CachedObject, ConcurrentDictionary<Delegate, object?>> _derived = new();
    private readonly ConcurrentDictionary<(Delegate, ResourceDefinition), (long Generation, object? Value)> _derivedFromAll = new();

    public IKubernetesObject<V1ObjectMeta>? Get(string group, string plural, string? ns, string name)
    {
        var def = index.FindAnyVersion(group, plural);
        return def is null || hub.For(def).Get(def.StorageKey(ns, name)) is not { } cached ? null : ObjectDecoder.Present(def, cached).Decode();
    }

    public T Derived<T>(string group, string plural, string? ns, string name, Func<IKubernetesObject<V1ObjectMeta>?, T> derive)
    {
        ArgumentNullException.ThrowIfNull(derive);
        var def = index.FindAnyVersion(group, plural);
        if (def is null || hub.For(def).Get(def.StorageKey(ns, name)) is not { } cached)
        {
            return derive(null);
        }

        return (T)_derived.GetValue(cached, static _ => new ConcurrentDictionary<Delegate, object?>())
            .GetOrAdd(derive, static (_, state) => state.derive(ObjectDecoder.Present(state.def, state.cached).Decode()), (derive, def, cached))!;
    }

    public T DerivedFromAll<T>(string group, string plural, Func<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>, T> derive)
    {
        ArgumentNullException.ThrowIfNull(derive);
        var def = index.FindAnyVersion(group, plural);
        if (def is null)
        {
            return derive([]);
        }

        // The generation is read before the objects: a change while they are read leaves an older generation, and the
        // next call computes again.
        var cache = hub.For(def);
        var generation = cache.Generation;
        if (_derivedFromAll.TryGetValue((derive, def), out var kept) && kept.Generation == generation)
        {
            return (T)kept.Value!;
        }

        var value = derive(Decoded(def, string.Empty));
        _derivedFromAll[(derive, def)] = (generation, value);
        return value;
    }

    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> List(string group, string plural)
    {
        var def = index.FindAnyVersion(group, plural);
        return def is null ? [] : Decoded(def, string.Empty);
    }

    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> List(string group, string plural, string ns)
    {
        var def = index.FindAnyVersion(group, plural);
        return def is null ? [] : Decoded(def, def.StoragePrefixFor(ns));
    }

    // The cached objects under a key prefix, decoded as the resource is served.
    private List<IKubernetesObject<V1ObjectMeta>> Decoded(ResourceDefinition def, string keyPrefix) =>
        [.. hub.For(def).Snapshot(keyPrefix, _ => true).Select(cached => ObjectDecoder.Present(def, cached).Decode())];

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
