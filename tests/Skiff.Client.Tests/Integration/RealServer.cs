using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Apimachinery;
using Skiff.ApiServer;
using Skiff.Storage.Sqlite;

namespace Skiff.Client.Tests.Integration;

/// <summary>A real API server in-process on a SQLite file in a temp dir, which a test can stop and start again on
/// the same store and port (what clients see of a restart).</summary>
internal sealed class RealServer : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "skiff-client-" + Guid.NewGuid().ToString("N")[..10]);
    private SqliteStore _store = null!;
    private ApiServerHandle? _server;

    public int Port { get; private set; }

    public string KubeconfigPath => Path.Combine(_directory, "kubeconfig.yaml");

    public static async Task<RealServer> StartAsync(int watchHistorySize = 4096)
    {
        var server = new RealServer();
        Directory.CreateDirectory(server._directory);
        server._store = await SqliteStore.OpenAsync(Path.Combine(server._directory, "state.db"), SqliteStoreOptions.Default, CancellationToken.None);
        await server.StartServerAsync(0, watchHistorySize);
        return server;
    }

    public async Task StopServerAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    public async Task StartServerAsync(int port, int watchHistorySize = 4096)
    {
        _server = await ApiServer.ApiServer.StartAsync(
            new ApiServerOptions
            {
                DataDirectory = _directory,
                Resources = ResourceCatalog.CreateBuiltIn().All,
                Port = port,
                WatchHistorySize = watchHistorySize,
                WatchHistoryMaxSize = watchHistorySize,
            },
            _store, NullLoggerFactory.Instance, CancellationToken.None);
        Port = _server.Address.Port;
    }

    public async ValueTask DisposeAsync()
    {
        await StopServerAsync();
        await _store.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
