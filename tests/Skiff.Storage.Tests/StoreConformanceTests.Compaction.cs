namespace Skiff.Storage.Tests;

/// <summary>Compaction: what is forgotten, what is kept, and the Compacted error.</summary>
public abstract partial class StoreConformanceTests
{
    /// <summary>Revisions 1..6: a1, b1, a2, delete b, c1, a3.</summary>
    private async Task<IStore> CreateStoreWithHistoryAsync()
    {
        var store = await CreateStoreAsync();
        var a = await store.CreateAsync("/p/a", Bytes("a1"), Ct);
        await store.CreateAsync("/p/b", Bytes("b1"), Ct);
        a = await store.UpdateAsync("/p/a", Bytes("a2"), a.ModRevision, Ct);
        await store.DeleteAsync("/p/b", null, Ct);
        await store.CreateAsync("/p/c", Bytes("c1"), Ct);
        await store.UpdateAsync("/p/a", Bytes("a3"), a.ModRevision, Ct);
        return store;
    }

    [Fact]
    public async Task Compaction_forgets_history_before_the_revision_and_keeps_latest_values()
    {
        await using var store = await CreateStoreWithHistoryAsync();
        await store.CompactAsync(4, Ct);
        Assert.Equal(4, await store.GetCompactedRevisionAsync(Ct));
        Assert.Equal(6, await store.GetCurrentRevisionAsync(Ct));

        var e = await ThrowsStorageAsync(StorageErrorCode.Compacted, () => store.ListAsync("/p/", new ListOptions(Revision: 3), Ct));
        Assert.Equal(StorageErrorCode.Compacted, e.Code);
        var atFour = await store.ListAsync("/p/", new ListOptions(Revision: 4), Ct);
        Assert.Equal([("/p/a", "a2")], atFour.Items.Select(i => (i.Key, Text(i.Value))));
        var atFive = await store.ListAsync("/p/", new ListOptions(Revision: 5), Ct);
        Assert.Equal([("/p/a", "a2"), ("/p/c", "c1")], atFive.Items.Select(i => (i.Key, Text(i.Value))));
        var now = await store.ListAsync("/p/", ListOptions.All, Ct);
        Assert.Equal([("/p/a", "a3", 1L, 6L), ("/p/c", "c1", 5L, 5L)], now.Items.Select(i => (i.Key, Text(i.Value), i.CreateRevision, i.ModRevision)));
        Assert.Equal("a3", Text((await store.GetAsync("/p/a", Ct))!.Value));
        Assert.Null(await store.GetAsync("/p/b", Ct));
    }

    [Fact]
    public async Task Watch_below_the_compacted_revision_fails_and_at_it_replays_with_previous_values()
    {
        await using var store = await CreateStoreWithHistoryAsync();
        await store.CompactAsync(4, Ct);

        await using var tooOld = store.WatchAsync("/p/", 3, Ct).GetAsyncEnumerator(Ct);
        var e = await Assert.ThrowsAsync<StorageException>(async () => await tooOld.MoveNextAsync());
        Assert.Equal(StorageErrorCode.Compacted, e.Code);

        await using var watch = store.WatchAsync("/p/", 4, Ct).GetAsyncEnumerator(Ct);
        var events = await TakeAsync(watch, 2);
        Assert.Equal(
            [(WatchEventType.Put, "/p/c", (string?)null, 5L), (WatchEventType.Put, "/p/a", "a2", 6L)],
            events.Select(ev => (ev.Type, ev.Key, Text(ev.PreviousValue), ev.Revision)));
    }

    [Fact]
    public async Task A_continue_token_older_than_the_compaction_is_compacted()
    {
        await using var store = await CreateStoreWithHistoryAsync();
        var first = await store.ListAsync("/p/", new ListOptions(Limit: 1), Ct);
        await store.CreateAsync("/p/d", Bytes("d"), Ct);
        await store.CompactAsync(7, Ct);
        await ThrowsStorageAsync(StorageErrorCode.Compacted, () => store.ListAsync("/p/", new ListOptions(Limit: 1, Continue: first.Continue), Ct));
    }

    [Fact]
    public async Task Compacting_again_lower_does_nothing_and_the_future_is_refused()
    {
        await using var store = await CreateStoreWithHistoryAsync();
        await store.CompactAsync(5, Ct);
        await store.CompactAsync(2, Ct);
        Assert.Equal(5, await store.GetCompactedRevisionAsync(Ct));
        await ThrowsStorageAsync(StorageErrorCode.InvalidArgument, () => store.CompactAsync(7, Ct));
        Assert.Equal(5, await store.GetCompactedRevisionAsync(Ct));
    }

    [Fact]
    public async Task Compacting_at_the_current_revision_keeps_the_revision_and_every_live_key()
    {
        await using var store = await CreateStoreWithHistoryAsync();
        await store.DeleteAsync("/p/c", null, Ct);
        await store.CompactAsync(7, Ct);
        Assert.Equal(7, await store.GetCurrentRevisionAsync(Ct));
        Assert.Equal(["/p/a"], (await store.ListAsync("/p/", ListOptions.All, Ct)).Items.Select(i => i.Key));
        var next = await store.CreateAsync("/p/c", Bytes("c2"), Ct);
        Assert.Equal((8L, 8L), (next.CreateRevision, next.ModRevision));
        await using var watch = store.WatchAsync("/p/", 7, Ct).GetAsyncEnumerator(Ct);
        Assert.Equal(8, (await TakeAsync(watch, 1))[0].Revision);
    }
}
