using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Apimachinery;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Watch;
using Skiff.Storage.Memory;

namespace Skiff.ApiServer.Tests;

/// <summary>The registry hands what it wrote to the watch cache, which then takes it for that write's storage event
/// instead of decoding the event; a hand-over that does not match the event (another revision) is not used.</summary>
public sealed class WatchCacheHandOverTests
{
    [Fact]
    public async Task The_event_of_a_handed_over_write_is_taken_as_handed_and_any_other_is_decoded()
    {
        var catalog = ResourceCatalog.CreateBuiltIn();
        var pods = catalog.Find(string.Empty, "v1", "pods")!;
        var store = new MemoryStore();
        await using var hub = new WatchCacheHub(store, new ResourceIndex(catalog.All), NullLogger.Instance);
        await hub.StartAsync(CancellationToken.None);
        var key = pods.StorageKey("default", "a");
        var cache = hub.For(pods);

        // Handed over (before the write, so that the event cannot come first) with a label the stored bytes do not
        // have: what the cache holds shows which one it took.
        var next = await store.GetCurrentRevisionAsync(CancellationToken.None) + 1;
        hub.Written(ObjectCodec.Served(pods, key, Pod("handed"), next));
        var written = await store.CreateAsync(key, Stored("stored"), CancellationToken.None);
        Assert.Equal(next, written.ModRevision);
        Assert.True(await hub.WaitForRevisionAsync(written.ModRevision, TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.Equal("handed", cache.Get(key)!.Labels!["from"]);

        // A hand-over for another revision is not taken: the event is decoded.
        hub.Written(ObjectCodec.Served(pods, key, Pod("other"), written.ModRevision + 2));
        var updated = await store.UpdateAsync(key, Stored("stored-again"), written.ModRevision, CancellationToken.None);
        Assert.True(await hub.WaitForRevisionAsync(updated.ModRevision, TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.Equal("stored-again", cache.Get(key)!.Labels!["from"]);
        Assert.Equal(updated.ModRevision, cache.Get(key)!.ModRevision);
    }

    private static V1Pod Pod(string from) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["from"] = from } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
    };

    private static byte[] Stored(string from) => Encoding.UTF8.GetBytes(
        $$$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"default","labels":{"from":"{{{from}}}"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}""");
}
