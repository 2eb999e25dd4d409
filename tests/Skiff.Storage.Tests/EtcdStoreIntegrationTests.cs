using Skiff.Storage.Etcd;

namespace Skiff.Storage.Tests;

/// <summary>The conformance suite against a real etcd 3.4, a fresh one per test.</summary>
public sealed class EtcdStoreIntegrationTests(EtcdServerPool pool) : StoreConformanceTests, IClassFixture<EtcdServerPool>
{
    private readonly List<EtcdServer> _servers = [];

    protected override async Task<IStore> CreateStoreAsync(int watchBufferSize = 10_000)
    {
        var server = await pool.TakeAsync();
        _servers.Add(server);
        return await EtcdStore.ConnectAsync(new EtcdStoreOptions { Endpoints = [server.ClientUrl], WatchBufferSize = watchBufferSize }, Ct);
    }

    [Fact]
    public async Task A_watch_resumes_after_the_stream_breaks_without_gap_or_duplicate()
    {
        await using var store = (EtcdStore)await CreateStoreAsync();
        await store.CreateAsync("/p/a", Bytes("a"), Ct);
        await using var watch = store.WatchAsync("/p/", 0, Ct).GetAsyncEnumerator(Ct);
        Assert.Equal("/p/a", (await TakeAsync(watch, 1))[0].Key);

        await _servers[^1].RestartAsync(Ct);
        var b = await CreateWhenReachableAsync(store, "/p/b");
        await store.CreateAsync("/p/c", Bytes("c"), Ct);
        var events = await TakeAsync(watch, 2);
        Assert.Equal([("/p/b", b.ModRevision), ("/p/c", b.ModRevision + 1)], events.Select(e => (e.Key, e.Revision)));
    }

    [Fact]
    public async Task Calls_go_to_whichever_endpoint_answers()
    {
        var server = await pool.TakeAsync();
        _servers.Add(server);
        var nowhere = new Uri("http://127.0.0.1:9"); // discard port: nothing listens there
        await using var store = await EtcdStore.ConnectAsync(new EtcdStoreOptions { Endpoints = [nowhere, server.ClientUrl] }, Ct);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(i + 1, (await store.CreateAsync($"/p/{i}", Bytes("v"), Ct)).ModRevision);
        }

        Assert.Equal(4, await store.CountAsync("/p/", Ct));
    }

    /// <summary>Right after a restart the client may still be reconnecting; a create that failed Unavailable did not
    /// happen here (the key is checked), so it is retried.</summary>
    private async Task<KeyValue> CreateWhenReachableAsync(IStore store, string key)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await store.CreateAsync(key, Bytes("v"), Ct);
            }
            catch (StorageException e) when (e.Code == StorageErrorCode.Unavailable && attempt < 50)
            {
                await Task.Delay(100, Ct);
                if (await TryGetAsync(store, key) is { } written)
                {
                    return written;
                }
            }
        }
    }

    private async Task<KeyValue?> TryGetAsync(IStore store, string key)
    {
        try
        {
            return await store.GetAsync(key, Ct);
        }
        catch (StorageException e) when (e.Code == StorageErrorCode.Unavailable)
        {
            return null;
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        foreach (var server in _servers)
        {
            server.Dispose();
        }
    }
}
