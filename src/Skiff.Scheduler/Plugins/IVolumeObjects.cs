using k8s.Models;

namespace Skiff.Scheduler.Plugins;

/// <summary>The storage objects <see cref="VolumeBinding"/> reads (the scheduler's informer caches).</summary>
public interface IVolumeObjects
{
    V1PersistentVolumeClaim? Claim(string ns, string name);

    V1PersistentVolume? Volume(string name);

    V1StorageClass? StorageClass(string name);

    IEnumerable<V1PersistentVolume> Volumes();
}
