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

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        foreach (var server in _servers)
        {
            server.Dispose();
        }
    }
}
