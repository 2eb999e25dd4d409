using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Apimachinery;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Watch;
using Skiff.Storage.Memory;

namespace Skiff.ApiServer.Tests.Admission;

/// <summary>Admission's derived values (a namespace's Pod Security levels, the global default PriorityClass) are
/// computed once per version of what they come from: a changed object, or any change to the resource, computes again.</summary>
public sealed class WatchCacheDerivedValuesTests
{
    private static readonly ResourceCatalog Catalog = ResourceCatalog.CreateBuiltIn();

    [Fact]
    public async Task A_value_derived_from_an_object_is_computed_again_only_when_the_object_changes()
    {
        var namespaces = Catalog.Find(string.Empty, "v1", "namespaces")!;
        var store = new MemoryStore();
        await using var hub = new WatchCacheHub(store, new ResourceIndex(Catalog.All), NullLogger.Instance);
        await hub.StartAsync(CancellationToken.None);
        var cluster = new WatchCacheClusterObjects(hub, new ResourceIndex(Catalog.All));
        var key = namespaces.StorageKey(null, "team");
        var created = await store.CreateAsync(key, Namespace("baseline"), CancellationToken.None);
        Assert.True(await hub.WaitForRevisionAsync(created.ModRevision, TimeSpan.FromSeconds(10), CancellationToken.None));

        var calls = 0;
        Func<IKubernetesObject<V1ObjectMeta>?, string?> enforce = ns => { calls++; return ns?.Metadata.Labels?["enforce"]; };
        Assert.Equal("baseline", cluster.Derived(string.Empty, "namespaces", null, "team", enforce));
        Assert.Equal("baseline", cluster.Derived(string.Empty, "namespaces", null, "team", enforce));
        Assert.Equal(1, calls);

        var updated = await store.UpdateAsync(key, Namespace("restricted"), created.ModRevision, CancellationToken.None);
        Assert.True(await hub.WaitForRevisionAsync(updated.ModRevision, TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.Equal("restricted", cluster.Derived(string.Empty, "namespaces", null, "team", enforce));
        Assert.Equal(2, calls);

        // Absent: computed from nothing, every time.
        Assert.Null(cluster.Derived(string.Empty, "namespaces", null, "absent", enforce));
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task A_value_derived_from_every_object_is_computed_again_when_any_of_them_changes()
    {
        var classes = Catalog.Find("scheduling.k8s.io", "v1", "priorityclasses")!;
        var store = new MemoryStore();
        await using var hub = new WatchCacheHub(store, new ResourceIndex(Catalog.All), NullLogger.Instance);
        await hub.StartAsync(CancellationToken.None);
        var cluster = new WatchCacheClusterObjects(hub, new ResourceIndex(Catalog.All));
        var calls = 0;
        Func<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>, int> count = all => { calls++; return all.Count; };

        var first = await store.CreateAsync(classes.StorageKey(null, "low"), PriorityClass("low"), CancellationToken.None);
        Assert.True(await hub.WaitForRevisionAsync(first.ModRevision, TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.Equal(1, cluster.DerivedFromAll("scheduling.k8s.io", "priorityclasses", count));
        Assert.Equal(1, cluster.DerivedFromAll("scheduling.k8s.io", "priorityclasses", count));
        Assert.Equal(1, calls);

        var second = await store.CreateAsync(classes.StorageKey(null, "high"), PriorityClass("high"), CancellationToken.None);
        Assert.True(await hub.WaitForRevisionAsync(second.ModRevision, TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.Equal(2, cluster.DerivedFromAll("scheduling.k8s.io", "priorityclasses", count));
        Assert.Equal(2, calls);
    }

    private static byte[] Namespace(string enforce) => Encoding.UTF8.GetBytes(
        """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team","labels":{"enforce":""" + $"\"{enforce}\"" + "}}}");

    private static byte[] PriorityClass(string name) => Encoding.UTF8.GetBytes(
        """{"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":""" + $"\"{name}\"" + """},"value":10}""");
}
