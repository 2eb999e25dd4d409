namespace Skiff.Storage.Tests;

/// <summary>Watches: replay from a past revision, live events, prefixes, slow watchers.</summary>
public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task Watch_from_a_past_revision_replays_exactly_the_missed_events_then_goes_live()
    {
        await using var store = await CreateStoreAsync();
        var a = await store.CreateAsync("/p/a", Bytes("a1"), Ct);           // 1
        var seen = await store.CreateAsync("/p/b", Bytes("b1"), Ct);        // 2: the watcher saw up to here
        await store.CreateAsync("/q/z", Bytes("other prefix"), Ct);         // 3
        await store.UpdateAsync("/p/a", Bytes("a2"), a.ModRevision, Ct);     // 4
        await store.DeleteAsync("/p/b", null, Ct);                           // 5
        await store.CreateAsync("/p/c", Bytes("c1"), Ct);                    // 6

        await using var watch = store.WatchAsync("/p/", seen.ModRevision, Ct).GetAsyncEnumerator(Ct);
        var replayed = await TakeAsync(watch, 3);
        Assert.Equal(
            [
                (WatchEventType.Put, "/p/a", "a2", (string?)"a1", 4L, 1L),
                (WatchEventType.Delete, "/p/b", "", "b1", 5L, 2L),
                (WatchEventType.Put, "/p/c", "c1", null, 6L, 6L),
            ],
            replayed.Select(e => (e.Type, e.Key, Text(e.Value), Text(e.PreviousValue), e.Revision, e.CreateRevision)));
        Assert.True(replayed[2].IsCreate);

        // Nothing more was replayed: the next event is the live one written now.
        await store.CreateAsync("/q/y", Bytes("other prefix"), Ct);
        var live = await store.CreateAsync("/p/d", Bytes("d1"), Ct);
        var next = await TakeAsync(watch, 1);
        Assert.Equal(("/p/d", live.ModRevision, true), (next[0].Key, next[0].Revision, next[0].IsCreate));
    }

    [Fact]
    public async Task Watch_from_zero_replays_all_history()
    {
        await using var store = await CreateStoreAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.CreateAsync($"/p/{i}", Bytes($"{i}"), Ct);
        }

        await using var watch = store.WatchAsync("/p/", 0, Ct).GetAsyncEnumerator(Ct);
        var events = await TakeAsync(watch, 5);
        Assert.Equal([1, 2, 3, 4, 5], events.Select(e => e.Revision));
    }

    [Fact]
    public async Task Watch_has_no_gap_and_no_duplicate_while_writes_race_its_start()
    {
        await using var store = await CreateStoreAsync();
        const int Total = 200;
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < Total; i++)
            {
                await store.CreateAsync($"/p/{i:D4}", Bytes("v"), Ct);
            }
        });

        // Start watching somewhere in the middle of the writes, from revision 0 and from wherever the store is.
        while (await store.GetCurrentRevisionAsync(Ct) < Total / 4)
        {
            await Task.Yield();
        }

        var from = await store.GetCurrentRevisionAsync(Ct);
        await using var fromZero = store.WatchAsync("/p/", 0, Ct).GetAsyncEnumerator(Ct);
        await using var fromNow = store.WatchAsync("/p/", from, Ct).GetAsyncEnumerator(Ct);
        var all = await TakeAsync(fromZero, Total);
        var rest = await TakeAsync(fromNow, Total - (int)from);
        await writer;
        Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), all.Select(e => e.Revision));
        Assert.Equal(Enumerable.Range((int)from + 1, Total - (int)from).Select(i => (long)i), rest.Select(e => e.Revision));
    }

    [Fact]
    public async Task Many_watches_of_different_prefixes_each_see_only_their_own_keys()
    {
        await using var store = await CreateStoreAsync();
        var prefixes = new[] { "/registry/pods/", "/registry/podsx/", "/registry/pod", "/registry/services/", "/registry/" };
        var watches = prefixes.Select(p => store.WatchAsync(p, 0, Ct).GetAsyncEnumerator(Ct)).ToList();
        var keys = new[]
        {
            "/registry/pods/default/a", "/registry/podsx/default/a", "/registry/services/default/s",
            "/registry/pods/kube-system/b", "/registry/nodes/n1",
        };
        foreach (var key in keys)
        {
            await store.CreateAsync(key, Bytes(key), Ct);
        }

        try
        {
            for (var i = 0; i < prefixes.Length; i++)
            {
                var expected = keys.Where(k => k.StartsWith(prefixes[i], StringComparison.Ordinal)).ToList();
                var events = await TakeAsync(watches[i], expected.Count);
                Assert.Equal(expected, events.Select(e => e.Key));
            }

            // And no further event is pending for any of them: the next is the marker written now.
            await store.CreateAsync("/registry/pods/marker", Bytes("m"), Ct);
            var next = await TakeAsync(watches[0], 1);
            Assert.Equal("/registry/pods/marker", next[0].Key);
        }
        finally
        {
            foreach (var watch in watches)
            {
                await watch.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Live_watch_carries_previous_values()
    {
        await using var store = await CreateStoreAsync();
        await using var watch = store.WatchAsync("/p/", 0, Ct).GetAsyncEnumerator(Ct);
        var created = await store.CreateAsync("/p/a", Bytes("a1"), Ct);
        var updated = await store.UpdateAsync("/p/a", Bytes("a2"), created.ModRevision, Ct);
        await store.DeleteAsync("/p/a", updated.ModRevision, Ct);
        var events = await TakeAsync(watch, 3);
        Assert.Equal(
            [(WatchEventType.Put, "a1", (string?)null), (WatchEventType.Put, "a2", "a1"), (WatchEventType.Delete, "", "a2")],
            events.Select(e => (e.Type, Text(e.Value), Text(e.PreviousValue))));
    }

    [Fact]
    public async Task A_watcher_too_far_behind_is_ended_without_blocking_writers()
    {
        await using var store = await CreateStoreAsync(watchBufferSize: 4);
        await store.CreateAsync("/p/first", Bytes("v"), Ct);
        await using var watch = store.WatchAsync("/p/", 0, Ct).GetAsyncEnumerator(Ct);
        Assert.Equal("/p/first", (await TakeAsync(watch, 1))[0].Key); // now subscribed, and not reading

        for (var i = 0; i < 20; i++)
        {
            await store.CreateAsync($"/p/{i:D2}", Bytes("v"), Ct);
        }

        var buffered = await TakeAsync(watch, 4);
        Assert.Equal([2, 3, 4, 5], buffered.Select(e => e.Revision));
        var e = await Assert.ThrowsAsync<StorageException>(async () => await watch.MoveNextAsync());
        Assert.Equal(StorageErrorCode.Unavailable, e.Code);
        Assert.Equal(21, await store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task Cancelling_a_watch_ends_it()
    {
        await using var store = await CreateStoreAsync();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await using var watch = store.WatchAsync("/p/", 0, cancel.Token).GetAsyncEnumerator(cancel.Token);
        var pending = watch.MoveNextAsync().AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Fact]
    public async Task Closing_the_store_ends_its_watches_with_unavailable()
    {
        var store = await CreateStoreAsync();
        await store.CreateAsync("/p/a", Bytes("v"), Ct);
        await using var watch = store.WatchAsync("/p/", 0, Ct).GetAsyncEnumerator(Ct);
        await TakeAsync(watch, 1);
        var pending = watch.MoveNextAsync().AsTask();
        await store.DisposeAsync();
        var e = await Assert.ThrowsAsync<StorageException>(() => pending);
        Assert.Equal(StorageErrorCode.Unavailable, e.Code);
    }
}
