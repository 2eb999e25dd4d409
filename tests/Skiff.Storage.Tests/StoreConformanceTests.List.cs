namespace Skiff.Storage.Tests;

/// <summary>Lists: snapshots, past revisions, limit and continue.</summary>
public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task List_returns_the_prefix_in_key_order_and_isolates_similar_prefixes()
    {
        await using var store = await CreateStoreAsync();
        await store.CreateAsync("/registry/podsx/default/a", Bytes("x"), Ct);
        await store.CreateAsync("/registry/pods/default/b", Bytes("b"), Ct);
        await store.CreateAsync("/registry/pods/default/a", Bytes("a"), Ct);
        await store.CreateAsync("/registry/pods/kube-system/c", Bytes("c"), Ct);
        await store.CreateAsync("/registry/pod", Bytes("p"), Ct);
        var list = await store.ListAsync("/registry/pods/", ListOptions.All, Ct);
        Assert.Equal(["/registry/pods/default/a", "/registry/pods/default/b", "/registry/pods/kube-system/c"], list.Items.Select(i => i.Key));
        Assert.Equal(5, list.Revision);
        Assert.Equal(0, list.RemainingCount);
        Assert.Null(list.Continue);
        Assert.Equal(3, await store.CountAsync("/registry/pods/", Ct));
        Assert.Equal(1, await store.CountAsync("/registry/podsx/", Ct));
        Assert.Equal(5, await store.CountAsync("", Ct));
    }

    [Fact]
    public async Task List_skips_deleted_keys_and_shows_latest_values()
    {
        await using var store = await CreateStoreAsync();
        var a = await store.CreateAsync("/p/a", Bytes("a1"), Ct);
        await store.CreateAsync("/p/b", Bytes("b1"), Ct);
        await store.UpdateAsync("/p/a", Bytes("a2"), a.ModRevision, Ct);
        await store.DeleteAsync("/p/b", null, Ct);
        var list = await store.ListAsync("/p/", ListOptions.All, Ct);
        Assert.Equal([("/p/a", "a2", 1L, 3L)], list.Items.Select(i => (i.Key, Text(i.Value), i.CreateRevision, i.ModRevision)));
        Assert.Equal(1, await store.CountAsync("/p/", Ct));
    }

    [Fact]
    public async Task List_at_a_past_revision_shows_the_state_then()
    {
        await using var store = await CreateStoreAsync();
        var a = await store.CreateAsync("/p/a", Bytes("a1"), Ct);
        var b = await store.CreateAsync("/p/b", Bytes("b1"), Ct);
        await store.UpdateAsync("/p/a", Bytes("a2"), a.ModRevision, Ct);
        await store.DeleteAsync("/p/b", null, Ct);
        await store.CreateAsync("/p/c", Bytes("c1"), Ct);

        var atTwo = await store.ListAsync("/p/", new ListOptions(Revision: b.ModRevision), Ct);
        Assert.Equal(2, atTwo.Revision);
        Assert.Equal([("/p/a", "a1", 1L), ("/p/b", "b1", 2L)], atTwo.Items.Select(i => (i.Key, Text(i.Value), i.ModRevision)));
        var atThree = await store.ListAsync("/p/", new ListOptions(Revision: 3), Ct);
        Assert.Equal([("/p/a", "a2"), ("/p/b", "b1")], atThree.Items.Select(i => (i.Key, Text(i.Value))));
        var atFour = await store.ListAsync("/p/", new ListOptions(Revision: 4), Ct);
        Assert.Equal(["/p/a"], atFour.Items.Select(i => i.Key));
        var now = await store.ListAsync("/p/", new ListOptions(Revision: 0), Ct);
        Assert.Equal((5L, 2), (now.Revision, now.Items.Count));
    }

    [Fact]
    public async Task List_at_a_future_revision_is_an_invalid_argument()
    {
        await using var store = await CreateStoreAsync();
        await store.CreateAsync("/p/a", Bytes("a"), Ct);
        await ThrowsStorageAsync(StorageErrorCode.InvalidArgument, () => store.ListAsync("/p/", new ListOptions(Revision: 2), Ct));
    }

    [Fact]
    public async Task Limit_pages_through_one_snapshot_with_remaining_counts()
    {
        await using var store = await CreateStoreAsync();
        for (var i = 0; i < 10; i++)
        {
            await store.CreateAsync($"/p/{i:D2}", Bytes($"v{i}"), Ct);
        }

        await store.CreateAsync("/q/other", Bytes("x"), Ct);
        var first = await store.ListAsync("/p/", new ListOptions(Limit: 4), Ct);
        Assert.Equal(["/p/00", "/p/01", "/p/02", "/p/03"], first.Items.Select(i => i.Key));
        Assert.Equal(6, first.RemainingCount);
        Assert.Equal(11, first.Revision);
        Assert.NotNull(first.Continue);

        // Writes between pages must not show up: every page is read at the first page's revision.
        await store.CreateAsync("/p/035", Bytes("new"), Ct);
        var five = (await store.GetAsync("/p/05", Ct))!;
        await store.UpdateAsync("/p/05", Bytes("changed"), five.ModRevision, Ct);
        await store.DeleteAsync("/p/06", null, Ct);
        await store.DeleteAsync("/p/00", null, Ct);

        var second = await store.ListAsync("/p/", new ListOptions(Limit: 4, Continue: first.Continue), Ct);
        Assert.Equal(["/p/04", "/p/05", "/p/06", "/p/07"], second.Items.Select(i => i.Key));
        Assert.Equal("v5", Text(second.Items[1].Value));
        Assert.Equal((11L, 2L), (second.Revision, second.RemainingCount));
        var third = await store.ListAsync("/p/", new ListOptions(Limit: 4, Continue: second.Continue), Ct);
        Assert.Equal(["/p/08", "/p/09"], third.Items.Select(i => i.Key));
        Assert.Equal((11L, 0L), (third.Revision, third.RemainingCount));
        Assert.Null(third.Continue);
    }

    [Fact]
    public async Task A_limit_equal_to_the_count_needs_no_continue()
    {
        await using var store = await CreateStoreAsync();
        await store.CreateAsync("/p/a", Bytes("a"), Ct);
        await store.CreateAsync("/p/b", Bytes("b"), Ct);
        var page = await store.ListAsync("/p/", new ListOptions(Limit: 2), Ct);
        Assert.Equal(2, page.Items.Count);
        Assert.Null(page.Continue);
        Assert.Equal(0, page.RemainingCount);
    }

    [Fact]
    public async Task Continue_tokens_are_checked()
    {
        await using var store = await CreateStoreAsync();
        for (var i = 0; i < 3; i++)
        {
            await store.CreateAsync($"/p/{i}", Bytes("v"), Ct);
        }

        var first = await store.ListAsync("/p/", new ListOptions(Limit: 1), Ct);
        await ThrowsStorageAsync(StorageErrorCode.InvalidArgument, () => store.ListAsync("/q/", new ListOptions(Limit: 1, Continue: first.Continue), Ct));
        await ThrowsStorageAsync(StorageErrorCode.InvalidArgument, () => store.ListAsync("/p/", new ListOptions(Limit: 1, Continue: "not a token"), Ct));
        await ThrowsStorageAsync(StorageErrorCode.InvalidArgument, () => store.ListAsync("/p/", new ListOptions(Limit: 1, Continue: "eyJhIjoxfQ"), Ct));
    }

    [Fact]
    public async Task Pages_stay_consistent_under_concurrent_writers()
    {
        await using var store = await CreateStoreAsync();
        for (var i = 0; i < 60; i++)
        {
            await store.CreateAsync($"/p/{i:D3}", Bytes("0"), Ct);
        }

        var snapshot = await store.ListAsync("/p/", ListOptions.All, Ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var writer = Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var key = $"/p/{n++ % 60:D3}";
                var current = (await store.GetAsync(key, Ct))!;
                await store.UpdateAsync(key, Bytes($"{n}"), current.ModRevision, Ct);
                await store.CreateAsync($"/p/{n:D3}x", Bytes("new"), Ct);
            }
        });

        var pages = new List<ListResult> { await store.ListAsync("/p/", new ListOptions(Revision: snapshot.Revision, Limit: 7), Ct) };
        while (pages[^1].Continue is { } next)
        {
            pages.Add(await store.ListAsync("/p/", new ListOptions(Limit: 7, Continue: next), Ct));
        }

        await stop.CancelAsync();
        await writer;
        Assert.All(pages, p => Assert.Equal(snapshot.Revision, p.Revision));
        var paged = pages.SelectMany(p => p.Items).Select(i => (i.Key, Text(i.Value), i.ModRevision));
        Assert.Equal(snapshot.Items.Select(i => (i.Key, Text(i.Value), i.ModRevision)), paged);
    }
}
