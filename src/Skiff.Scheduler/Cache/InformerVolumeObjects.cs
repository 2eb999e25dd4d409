using k8s.Models;
using Skiff.Client.Cache;
using Skiff.Scheduler.Plugins;

namespace Skiff.Scheduler.Cache;

/// <summary>The storage objects of the scheduler's shared informers (claims, volumes, classes).</summary>
public sealed class InformerVolumeObjects(
    IReadOnlyCache<V1PersistentVolumeClaim> claims, IReadOnlyCache<V1PersistentVolume> volumes, IReadOnlyCache<V1StorageClass> classes) : IVolumeObjects
{
    public V1PersistentVolumeClaim? Claim(string ns, string name) => claims.Get(ns, name);

    public V1PersistentVolume? Volume(string name) => volumes.Get(null, name);

    public V1StorageClass? StorageClass(string name) => classes.Get(null, name);

    public IEnumerable<V1PersistentVolume> Volumes() => volumes.List();
}
