using Skiff.Bench.Common;
using Skiff.Storage;
using Skiff.Storage.Sqlite;

namespace Skiff.Bench.Storage;

/// <summary>Skiff's SQLite store, in this process, on a fresh file in a temp directory.</summary>
internal sealed class SkiffTarget : IBenchTarget
{
    private readonly SqliteStore _store;
    private readonly string _directory;

    private SkiffTarget(SqliteStore store, string directory)
    {
        _store = store;
        _directory = directory;
    }

    public string Name => "skiff-sqlite";

    public static async Task<SkiffTarget> StartAsync(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("skiff-bench-sqlite-").FullName;
        var store = await SqliteStore.OpenAsync(Path.Combine(directory, "state.db"), SqliteStoreOptions.Default, cancellationToken);
        return new SkiffTarget(store, directory);
    }

    public async Task<long> CreateAsync(string key, byte[] value, CancellationToken cancellationToken) =>
        (await _store.CreateAsync(key, value, cancellationToken)).ModRevision;

    public async Task<long> UpdateAsync(string key, byte[] value, long expectedModRevision, CancellationToken cancellationToken) =>
        (await _store.UpdateAsync(key, value, expectedModRevision, cancellationToken)).ModRevision;

    public async Task<long> GetAsync(string key, CancellationToken cancellationToken) =>
        (await _store.GetAsync(key, cancellationToken))?.ModRevision ?? throw new InvalidOperationException($"{key} is missing");

    public async Task<int> ListAsync(string prefix, CancellationToken cancellationToken) =>
        (await _store.ListAsync(prefix, ListOptions.All, cancellationToken)).Items.Count;

    public async Task<IAsyncDisposable> WatchAsync(string prefix, Action<string> onEvent, CancellationToken cancellationToken)
    {
        var from = await _store.GetCurrentRevisionAsync(cancellationToken);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loop = Task.Run(async () =>
        {
            var events = _store.WatchAsync(prefix, from, stop.Token).GetAsyncEnumerator(stop.Token);
            await using (events)
            {
                var next = events.MoveNextAsync(); // subscribes before the first await completes
                subscribed.TrySetResult();
                while (await next)
                {
                    onEvent(events.Current.Key);
                    next = events.MoveNextAsync();
                }
            }
        });
        await subscribed.Task;
        return new BackgroundLoop(loop, stop);
    }

    public long PeakRssBytes() => ProcessMemory.PeakRssBytes("self");

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
