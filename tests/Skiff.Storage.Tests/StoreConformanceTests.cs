using System.Text;

namespace Skiff.Storage.Tests;

/// <summary>
/// The <see cref="IStore"/> contract, run unchanged against every backend. A subclass only says how to make a fresh,
/// empty store.
/// </summary>
public abstract partial class StoreConformanceTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // Guards against a hang only: a test that waits this long has failed anyway.
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    /// <summary>A new empty store whose watchers may fall <paramref name="watchBufferSize"/> events behind.</summary>
    protected abstract Task<IStore> CreateStoreAsync(int watchBufferSize = 10_000);

    protected CancellationToken Ct => _timeout.Token;

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timeout.Dispose();
        }
    }

    protected static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);

    protected static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    protected static string? Text(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? Text(b) : null;

    protected static async Task<StorageException> ThrowsStorageAsync(StorageErrorCode code, Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<StorageException>(action);
        Assert.Equal(code, e.Code);
        return e;
    }

    [Fact]
    public async Task Empty_store_is_at_revision_zero()
    {
        await using var store = await CreateStoreAsync();
        Assert.Equal(0, await store.GetCurrentRevisionAsync(Ct));
        Assert.Equal(0, await store.GetCompactedRevisionAsync(Ct));
        Assert.Null(await store.GetAsync("/registry/pods/default/a", Ct));
        var list = await store.ListAsync("/registry/", ListOptions.All, Ct);
        Assert.Empty(list.Items);
        Assert.Equal(0, list.Revision);
        Assert.Null(list.Continue);
        Assert.Equal(0, await store.CountAsync("/registry/", Ct));
    }

    [Fact]
    public async Task Create_then_get_returns_the_value_at_revision_one()
    {
        await using var store = await CreateStoreAsync();
        var created = await store.CreateAsync("/registry/pods/default/a", Bytes("one"), Ct);
        Assert.Equal(("/registry/pods/default/a", "one", 1L, 1L), (created.Key, Text(created.Value), created.CreateRevision, created.ModRevision));
        var read = await store.GetAsync("/registry/pods/default/a", Ct);
        Assert.NotNull(read);
        Assert.Equal(("one", 1L, 1L), (Text(read.Value), read.CreateRevision, read.ModRevision));
        Assert.Equal(1, await store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task Create_of_an_existing_key_fails_and_changes_nothing()
    {
        await using var store = await CreateStoreAsync();
        await store.CreateAsync("/k", Bytes("one"), Ct);
        var e = await ThrowsStorageAsync(StorageErrorCode.KeyExists, () => store.CreateAsync("/k", Bytes("two"), Ct));
        Assert.Equal("/k", e.Key);
        Assert.Equal("one", Text((await store.GetAsync("/k", Ct))!.Value));
        Assert.Equal(1, await store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task Update_with_the_expected_revision_replaces_the_value()
    {
        await using var store = await CreateStoreAsync();
        await store.CreateAsync("/other", Bytes("x"), Ct);
        var created = await store.CreateAsync("/k", Bytes("one"), Ct);
        var updated = await store.UpdateAsync("/k", Bytes("two"), created.ModRevision, Ct);
        Assert.Equal(("two", 2L, 3L), (Text(updated.Value), updated.CreateRevision, updated.ModRevision));
        var read = await store.GetAsync("/k", Ct);
        Assert.Equal(("two", 2L, 3L), (Text(read!.Value), read.CreateRevision, read.ModRevision));
    }

    [Fact]
    public async Task Update_with_a_stale_revision_is_a_conflict_carrying_the_current_value()
    {
        await using var store = await CreateStoreAsync();
        var created = await store.CreateAsync("/k", Bytes("one"), Ct);
        await store.UpdateAsync("/k", Bytes("two"), created.ModRevision, Ct);
        var e = await ThrowsStorageAsync(StorageErrorCode.Conflict, () => store.UpdateAsync("/k", Bytes("three"), created.ModRevision, Ct));
        Assert.NotNull(e.Current);
        Assert.Equal(("two", 2L), (Text(e.Current.Value), e.Current.ModRevision));
        Assert.Equal("two", Text((await store.GetAsync("/k", Ct))!.Value));
        Assert.Equal(2, await store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task Update_of_a_missing_key_is_not_found()
    {
        await using var store = await CreateStoreAsync();
        await ThrowsStorageAsync(StorageErrorCode.NotFound, () => store.UpdateAsync("/missing", Bytes("x"), 1, Ct));
        Assert.Equal(0, await store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task Delete_returns_the_deleted_value_at_the_delete_revision()
    {
        await using var store = await CreateStoreAsync();
        var created = await store.CreateAsync("/k", Bytes("one"), Ct);
        var deleted = await store.DeleteAsync("/k", created.ModRevision, Ct);
        Assert.Equal(("/k", "one", 1L, 2L), (deleted.Key, Text(deleted.Value), deleted.CreateRevision, deleted.ModRevision));
        Assert.Null(await store.GetAsync("/k", Ct));
        Assert.Equal(2, await store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task Delete_errors_change_nothing()
    {
        await using var store = await CreateStoreAsync();
        await ThrowsStorageAsync(StorageErrorCode.NotFound, () => store.DeleteAsync("/missing", null, Ct));
        var created = await store.CreateAsync("/k", Bytes("one"), Ct);
        await store.UpdateAsync("/k", Bytes("two"), created.ModRevision, Ct);
        var e = await ThrowsStorageAsync(StorageErrorCode.Conflict, () => store.DeleteAsync("/k", created.ModRevision, Ct));
        Assert.Equal(2, e.Current!.ModRevision);
        Assert.NotNull(await store.GetAsync("/k", Ct));
        Assert.Equal(2, await store.GetCurrentRevisionAsync(Ct));
        var deleted = await store.DeleteAsync("/k", null, Ct);
        Assert.Equal(3, deleted.ModRevision);
        await ThrowsStorageAsync(StorageErrorCode.NotFound, () => store.DeleteAsync("/k", null, Ct));
    }

    [Fact]
    public async Task A_key_created_again_after_delete_gets_a_new_create_revision()
    {
        await using var store = await CreateStoreAsync();
        await store.CreateAsync("/k", Bytes("one"), Ct);
        await store.DeleteAsync("/k", null, Ct);
        var again = await store.CreateAsync("/k", Bytes("two"), Ct);
        Assert.Equal((3L, 3L), (again.CreateRevision, again.ModRevision));
        await ThrowsStorageAsync(StorageErrorCode.NotFound, () => store.UpdateAsync("/missing", Bytes("x"), 0, Ct));
    }

    [Fact]
    public async Task Every_write_advances_the_revision_by_exactly_one()
    {
        await using var store = await CreateStoreAsync();
        var revisions = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            revisions.Add((await store.CreateAsync($"/k/{i}", Bytes("v"), Ct)).ModRevision);
        }

        var last = await store.GetAsync("/k/0", Ct);
        revisions.Add((await store.UpdateAsync("/k/0", Bytes("w"), last!.ModRevision, Ct)).ModRevision);
        revisions.Add((await store.DeleteAsync("/k/1", null, Ct)).ModRevision);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], revisions);
        Assert.Equal(7, await store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task Values_are_arbitrary_bytes_including_empty()
    {
        await using var store = await CreateStoreAsync();
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        await store.CreateAsync("/bytes", all, Ct);
        await store.CreateAsync("/empty", ReadOnlyMemory<byte>.Empty, Ct);
        Assert.Equal(all, (await store.GetAsync("/bytes", Ct))!.Value.ToArray());
        Assert.Equal(0, (await store.GetAsync("/empty", Ct))!.Value.Length);
        var list = await store.ListAsync("/", ListOptions.All, Ct);
        Assert.Equal(["/bytes", "/empty"], list.Items.Select(i => i.Key));
        Assert.Equal(all, list.Items[0].Value.ToArray());
    }

    [Fact]
    public async Task The_caller_buffer_is_copied_on_write()
    {
        await using var store = await CreateStoreAsync();
        var buffer = Encoding.UTF8.GetBytes("abc");
        await store.CreateAsync("/k", buffer, Ct);
        buffer[0] = (byte)'z';
        Assert.Equal("abc", Text((await store.GetAsync("/k", Ct))!.Value));
    }

    [Fact]
    public async Task Concurrent_compare_and_swap_increments_lose_nothing()
    {
        await using var store = await CreateStoreAsync();
        const int Writers = 16;
        const int IncrementsEach = 10;
        await store.CreateAsync("/counter", Bytes("0"), Ct);
        var conflicts = 0;
        var tasks = Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < IncrementsEach; i++)
            {
                while (true)
                {
                    var current = (await store.GetAsync("/counter", Ct))!;
                    var next = int.Parse(Text(current.Value), System.Globalization.CultureInfo.InvariantCulture) + 1;
                    try
                    {
                        await store.UpdateAsync("/counter", Bytes(next.ToString(System.Globalization.CultureInfo.InvariantCulture)), current.ModRevision, Ct);
                        break;
                    }
                    catch (StorageException e) when (e.Code == StorageErrorCode.Conflict)
                    {
                        Interlocked.Increment(ref conflicts);
                    }
                }
            }
        }));
        await Task.WhenAll(tasks);
        var final = (await store.GetAsync("/counter", Ct))!;
        Assert.Equal((Writers * IncrementsEach).ToString(System.Globalization.CultureInfo.InvariantCulture), Text(final.Value));
        Assert.Equal(1 + (Writers * IncrementsEach), final.ModRevision);
        Assert.Equal(1 + (Writers * IncrementsEach), await store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task Concurrent_creates_get_distinct_consecutive_revisions()
    {
        await using var store = await CreateStoreAsync();
        var created = await Task.WhenAll(Enumerable.Range(0, 200)
            .Select(i => Task.Run(() => store.CreateAsync($"/c/{i:D3}", Bytes($"{i}"), Ct))));
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), created.Select(c => c.ModRevision).Order());
        var list = await store.ListAsync("/c/", ListOptions.All, Ct);
        Assert.Equal(200, list.Items.Count);
        Assert.All(list.Items, item => Assert.Equal(created.Single(c => c.Key == item.Key).ModRevision, item.ModRevision));
    }

    protected async Task<List<WatchEvent>> TakeAsync(IAsyncEnumerator<WatchEvent> watch, int count)
    {
        var events = new List<WatchEvent>();
        while (events.Count < count)
        {
            Assert.True(await watch.MoveNextAsync().AsTask().WaitAsync(Patience, Ct), "the watch ended early");
            events.Add(watch.Current);
        }

        return events;
    }
}
