using k8s.Models;
using Skiff.Client.Cache;

namespace Skiff.Client.Tests;

/// <summary>The controller-uid index (upstream's PodControllerUIDIndex): a controller finds what it controls and the
/// orphans of its namespace it may adopt, and an adoption or release moves the pod between the two.</summary>
public sealed class ControllerUidIndexTests
{
    [Fact]
    public void Indexes_by_controller_and_puts_orphans_under_their_namespace()
    {
        var cache = new IndexedCache<V1Pod>();
        cache.AddIndexer(Indexers.ControllerUid, Indexers.ByControllerUid);
        cache.Upsert(Owned("mine", "rs-1", controller: true));
        cache.Upsert(Owned("theirs", "rs-2", controller: true));
        cache.Upsert(Owned("not-controlled", "rs-1", controller: false));
        cache.Upsert(Pods.Make("orphan"));
        cache.Upsert(Pods.Make("orphan-elsewhere", ns: "other"));

        Assert.Equal(["mine"], Names(cache.ByIndex(Indexers.ControllerUid, "rs-1")));
        Assert.Equal(["not-controlled", "orphan"], Names(cache.ByIndex(Indexers.ControllerUid, Indexers.OrphanKey("default"))));
        Assert.Equal(["orphan-elsewhere"], Names(cache.ByIndex(Indexers.ControllerUid, Indexers.OrphanKey("other"))));

        // Adopted: no longer an orphan; released: an orphan again.
        cache.Upsert(Owned("orphan", "rs-1", controller: true));
        cache.Upsert(Pods.Make("mine"));
        Assert.Equal(["orphan"], Names(cache.ByIndex(Indexers.ControllerUid, "rs-1")));
        Assert.Equal(["mine", "not-controlled"], Names(cache.ByIndex(Indexers.ControllerUid, Indexers.OrphanKey("default"))));
    }

    private static V1Pod Owned(string name, string ownerUid, bool controller)
    {
        var pod = Pods.Make(name);
        pod.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = ownerUid, Uid = ownerUid, Controller = controller }];
        return pod;
    }

    private static List<string> Names(IEnumerable<V1Pod> pods) => pods.Select(p => p.Metadata.Name).Order(StringComparer.Ordinal).ToList();
}
