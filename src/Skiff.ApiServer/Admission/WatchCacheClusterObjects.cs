using k8s;
using k8s.Models;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Watch;

namespace Skiff.ApiServer.Admission;

/// <summary>The cluster's objects as the API server's watch cache holds them (no storage round trip).</summary>
public sealed class WatchCacheClusterObjects(WatchCacheHub hub, ResourceIndex index) : IClusterObjects
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
}
