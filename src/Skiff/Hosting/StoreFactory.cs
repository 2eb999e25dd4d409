using Skiff.Storage;
using Skiff.Storage.Compaction;
using Skiff.Storage.Etcd;
using Skiff.Storage.Memory;
using Skiff.Storage.Sqlite;

namespace Skiff.Hosting;

/// <summary>
/// Opens the store the server was asked for: the embedded SQLite file by default, an external etcd cluster, or memory
/// for throwaway clusters.
/// </summary>
internal static class StoreFactory
{
    public const string Sqlite = "sqlite";
    public const string Etcd = "etcd";
    public const string Memory = "memory";

    public static readonly string[] Kinds = [Sqlite, Etcd, Memory];

    public static async Task<ClusterStore> OpenAsync(string kind, string dataDirectory, IReadOnlyList<Uri> etcdServers, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case Sqlite:
                var directory = Path.Combine(dataDirectory, "db");
                Directory.CreateDirectory(directory);
                return new ClusterStore(await SqliteStore.OpenAsync(Path.Combine(directory, "state.db"), SqliteStoreOptions.Default, cancellationToken), null);
            case Etcd:
                if (etcdServers.Count == 0)
                {
                    throw new ArgumentException("--storage etcd needs --etcd-servers URL[,URL...]");
                }

                var etcd = await EtcdStore.ConnectAsync(new EtcdStoreOptions { Endpoints = etcdServers }, cancellationToken);
                // Like kube-apiserver, the API server compacts etcd itself: every 5 minutes, keeping a window of history.
                return new ClusterStore(etcd, new BackgroundCompactor(etcd, CompactionOptions.Default, TimeProvider.System));
            case Memory:
                return new ClusterStore(new MemoryStore(new MemoryStoreOptions()), null);
            default:
                throw new ArgumentException($"unknown storage '{kind}'; expected one of: {string.Join(", ", Kinds)}", nameof(kind));
        }
    }
}

/// <summary>The opened store and, where the store does not compact itself, the compactor the server runs for it.</summary>
internal sealed record ClusterStore(IStore Store, BackgroundCompactor? Compactor) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        if (Compactor is not null)
        {
            await Compactor.DisposeAsync();
        }

        await Store.DisposeAsync();
    }
}
