using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Apimachinery;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Watch;
using Skiff.Storage.Memory;

namespace Skiff.ApiServer.Tests;

/// <summary>The watch cache's event window sizes itself as upstream's does: it doubles while full of fresh events (up
/// to its upper bound), so a watch can resume from further back during a burst, and halves once a quarter of it is
/// stale (down to its lower bound). A watch from before the window still gets "too old".</summary>
public sealed class WatchHistoryWindowTests
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(75);
    private static readonly ResourceCatalog Catalog = ResourceCatalog.CreateBuiltIn();
    private static readonly ResourceDefinition Pods = Catalog.Find(string.Empty, "v1", "pods")!;

    [Fact]
    public async Task The_window_grows_during_a_burst_up_to_its_bound_and_shrinks_when_its_events_go_stale()
    {
        var time = new FakeTimeProvider();
        var store = new MemoryStore();
        await using var hub = await StartHubAsync(store, new WatchHistoryWindow(8, 32, Freshness, time));
        var cache = hub.For(Pods);
        var key = Pods.StorageKey("default", "a");
        var revisions = new List<long> { (await store.CreateAsync(key, Pod(0), CancellationToken.None)).ModRevision };
        async Task WriteAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                revisions.Add((await store.UpdateAsync(key, Pod(revisions.Count), revisions[^1], CancellationToken.None)).ModRevision);
            }

            Assert.True(await hub.WaitForRevisionAsync(revisions[^1], TimeSpan.FromSeconds(10), CancellationToken.None));
        }

        bool Resumes(long afterRevision) => cache.Watch(afterRevision, _ => true) is { Watcher: { } watcher } && Unsubscribe(watcher);
        bool Unsubscribe(Watcher watcher)
        {
            cache.Unsubscribe(watcher);
            return true;
        }

        Assert.Equal(8, cache.HistoryCapacity);

        // A burst of 20 events in no time: 8 -> 16 -> 32, and a watch resumes from the first of them.
        await WriteAsync(19);
        Assert.Equal(32, cache.HistoryCapacity);
        Assert.True(Resumes(revisions[0]));

        // Past the upper bound the oldest go: resuming from before the window is "too old" (the client relists).
        await WriteAsync(20);
        Assert.Equal(32, cache.HistoryCapacity);
        Assert.False(Resumes(revisions[0]));
        Assert.True(Resumes(revisions[^32]));

        // Later, with the window stale: each full write halves it, down to the lower bound; the newest events stay.
        time.Advance(Freshness + TimeSpan.FromSeconds(1));
        await WriteAsync(1);
        Assert.Equal(16, cache.HistoryCapacity);
        await WriteAsync(1);
        Assert.Equal(8, cache.HistoryCapacity);
        Assert.True(Resumes(revisions[^8]));
        Assert.False(Resumes(revisions[^10]));

        // A new burst grows it again once the window is all fresh events.
        await WriteAsync(8);
        Assert.Equal(16, cache.HistoryCapacity);
    }

    [Fact]
    public async Task Without_a_fresh_burst_the_window_keeps_its_lower_bound()
    {
        var time = new FakeTimeProvider();
        var store = new MemoryStore();
        await using var hub = await StartHubAsync(store, new WatchHistoryWindow(4, 64, Freshness, time));
        var key = Pods.StorageKey("default", "a");
        var revision = (await store.CreateAsync(key, Pod(0), CancellationToken.None)).ModRevision;
        for (var i = 1; i < 20; i++)
        {
            // One event every 30 s: the oldest of a full window of 4 is always older than 75 s.
            time.Advance(TimeSpan.FromSeconds(30));
            revision = (await store.UpdateAsync(key, Pod(i), revision, CancellationToken.None)).ModRevision;
            Assert.True(await hub.WaitForRevisionAsync(revision, TimeSpan.FromSeconds(10), CancellationToken.None));
        }

        Assert.Equal(4, hub.For(Pods).HistoryCapacity);
    }

    private static async Task<WatchCacheHub> StartHubAsync(MemoryStore store, WatchHistoryWindow window)
    {
        var hub = new WatchCacheHub(store, new ResourceIndex(Catalog.All), NullLogger.Instance, window, 1024);
        await hub.StartAsync(CancellationToken.None);
        return hub;
    }

    private static byte[] Pod(int generation) => Encoding.UTF8.GetBytes(
        $$$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"default","labels":{"n":"{{{generation}}}"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}""");
}
