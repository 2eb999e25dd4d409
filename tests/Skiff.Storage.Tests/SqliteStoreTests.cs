using Skiff.Storage.Sqlite;

namespace Skiff.Storage.Tests;

/// <summary>The conformance suite on a real SQLite file, plus what only a durable store promises.</summary>
public sealed class SqliteStoreTests : StoreConformanceTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("skiff-sqlite-").FullName;

    private string DatabasePath => Path.Combine(_directory, "state.db");

    protected override async Task<IStore> CreateStoreAsync(int watchBufferSize = 10_000) =>
        await OpenAsync(watchBufferSize);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Directory.Delete(_directory, recursive: true);
    }

    private Task<SqliteStore> OpenAsync(int watchBufferSize = 10_000) =>
        SqliteStore.OpenAsync(DatabasePath, new SqliteStoreOptions { Compaction = null, WatchBufferSize = watchBufferSize }, Ct);

    [Fact]
    public async Task Reopening_keeps_every_write_and_the_revision_counter()
    {
        await using (var store = await OpenAsync())
        {
            var a = await store.CreateAsync("/p/a", Bytes("a1"), Ct);
            await store.CreateAsync("/p/b", Bytes("b1"), Ct);
            await store.UpdateAsync("/p/a", Bytes("a2"), a.ModRevision, Ct);
            await store.DeleteAsync("/p/b", null, Ct);
        }

        await using (var reopened = await OpenAsync())
        {
            Assert.Equal(4, await reopened.GetCurrentRevisionAsync(Ct));
            Assert.Equal([("/p/a", "a2", 1L, 3L)], (await reopened.ListAsync("/p/", ListOptions.All, Ct)).Items.Select(i => (i.Key, Text(i.Value), i.CreateRevision, i.ModRevision)));
            var next = await reopened.CreateAsync("/p/c", Bytes("c"), Ct);
            Assert.Equal(5, next.ModRevision);
            await using var watch = reopened.WatchAsync("/p/", 2, Ct).GetAsyncEnumerator(Ct);
            var events = await TakeAsync(watch, 3);
            Assert.Equal([(3L, (string?)"a1"), (4L, "b1"), (5L, null)], events.Select(e => (e.Revision, Text(e.PreviousValue))));
        }
    }

    [Fact]
    public async Task Reopening_after_compaction_keeps_the_compacted_and_current_revisions()
    {
        await using (var store = await OpenAsync())
        {
            await store.CreateAsync("/p/a", Bytes("a"), Ct);
            await store.DeleteAsync("/p/a", null, Ct);
            await store.CompactAsync(2, Ct);
        }

        await using var reopened = await OpenAsync();
        Assert.Equal(2, await reopened.GetCurrentRevisionAsync(Ct));
        Assert.Equal(2, await reopened.GetCompactedRevisionAsync(Ct));
        await ThrowsStorageAsync(StorageErrorCode.Compacted, () => reopened.ListAsync("/p/", new ListOptions(Revision: 1), Ct));
        Assert.Equal(3, (await reopened.CreateAsync("/p/a", Bytes("again"), Ct)).ModRevision);
    }

    [Fact]
    public async Task Writes_after_close_are_refused()
    {
        var store = await OpenAsync();
        await store.DisposeAsync();
        await ThrowsStorageAsync(StorageErrorCode.Unavailable, () => store.CreateAsync("/p/a", Bytes("a"), Ct));
        await ThrowsStorageAsync(StorageErrorCode.Unavailable, () => store.GetAsync("/p/a", Ct));
    }
}
