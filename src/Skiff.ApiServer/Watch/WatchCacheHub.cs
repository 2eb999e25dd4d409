using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Skiff.Apimachinery;
using Skiff.ApiServer.Registry;
using Skiff.Storage;

namespace Skiff.ApiServer.Watch;

/// <summary>
/// Feeds every resource's <see cref="ResourceWatchCache"/> from ONE storage watch on <c>/registry/</c>, so the number
/// of API watchers never reaches storage. Because it sees every write, its <see cref="Revision"/> follows the store's
/// global revision, which makes consistent reads from the cache possible: read the store's current revision, wait
/// until the hub has applied it, then serve from memory.
/// </summary>
public sealed class WatchCacheHub : IAsyncDisposable
{
    public const string RootPrefix = "/registry/";

    private readonly IStore _store;
    private readonly ILogger _logger;
    private readonly Dictionary<string, ResourceWatchCache> _byPrefix = new(StringComparer.Ordinal);
    private readonly List<(string Prefix, ResourceWatchCache Cache)> _routes = [];
    private readonly CancellationTokenSource _stop = new();

    // What the registry just wrote, in served form, by key: the storage event of that write then needs no decode.
    private readonly ConcurrentDictionary<string, CachedObject> _written = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing = new();
    private TaskCompletionSource _advanced = NewSignal();
    private Task? _loop;
    private long _revision;

    public WatchCacheHub(IStore store, ResourceIndex index, ILogger logger, int historySize = 4096, int watcherCapacity = 1024)
        : this(store, index, logger, new WatchHistoryWindow(historySize, historySize, TimeSpan.Zero, TimeProvider.System), watcherCapacity)
    {
    }

    public WatchCacheHub(IStore store, ResourceIndex index, ILogger logger, WatchHistoryWindow history, int watcherCapacity)
    {
        ArgumentNullException.ThrowIfNull(index);
        _store = store;
        _logger = logger;
        foreach (var def in index.StorageResources)
        {
            var cache = new ResourceWatchCache(def, history, watcherCapacity);
            _byPrefix[def.StoragePrefix] = cache;
            _routes.Add((def.StoragePrefix, cache));
        }

        // Longest prefix first, in case one resource's prefix is a parent of another's.
        _routes.Sort((a, b) => b.Prefix.Length.CompareTo(a.Prefix.Length));
    }

    /// <summary>The last store revision applied to every cache.</summary>
    public long Revision => Volatile.Read(ref _revision);

    /// <summary>Cancelled when the server shuts down: open watches end at once (clients resume elsewhere or when the
    /// server is back), instead of holding the graceful shutdown until its timeout.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>Ends every open watch stream; the cache itself keeps following the store until disposed.</summary>
    public Task CloseWatchesAsync() => _closing.CancelAsync();

    public ResourceWatchCache For(ResourceDefinition def) => _byPrefix[def.StoragePrefix];

    /// <summary>
    /// Hands over the served form of an object the registry has just written (stored JSON stamped with the write's
    /// revision, and what selectors test, taken from the typed object it wrote), so that the storage event of that
    /// write is not decoded again. Only an object in its cache's own shape, and only while the event is still to come;
    /// the event is decoded as before when the hand-over comes late or does not match it.
    /// </summary>
    public void Written(CachedObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (obj.ModRevision > Revision && obj.Definition.StorageConversion is null &&
            _byPrefix.TryGetValue(obj.Definition.StoragePrefix, out var cache) && ReferenceEquals(cache.Definition, obj.Definition))
        {
            _written[obj.Key] = obj;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Waits until the caches have applied <paramref name="revision"/>; false on timeout.</summary>
    public async Task<bool> WaitForRevisionAsync(long revision, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (Revision >= revision)
        {
            return true;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (Revision < revision)
            {
                var signal = Volatile.Read(ref _advanced).Task;
                if (Revision >= revision)
                {
                    break;
                }

                await signal.WaitAsync(deadline.Token);
            }

            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Waits until the caches are as fresh as the store is now; false when they did not catch up in time.</summary>
    public async Task<bool> WaitUntilFreshAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var current = await _store.GetCurrentRevisionAsync(cancellationToken);
        return await WaitForRevisionAsync(current, timeout, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
        _closing.Dispose();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var byCache = _routes.ToDictionary(r => r.Cache, _ => new List<CachedObject>());
        string? next = null;
        long revision = 0;
        do
        {
            var page = await _store.ListAsync(RootPrefix, new ListOptions(Limit: 1000, Continue: next), cancellationToken);
            revision = page.Revision;
            foreach (var kv in page.Items)
            {
                if (Route(kv.Key) is { } cache)
                {
                    byCache[cache].Add(ObjectDecoder.Decode(cache.Definition, kv.Key, kv.Value.Span, kv.ModRevision));
                }
            }

            next = page.Continue;
        }
        while (next is not null);

        if (revision == 0)
        {
            revision = await _store.GetCurrentRevisionAsync(cancellationToken);
        }

        foreach (var (cache, objects) in byCache)
        {
            cache.Reset(objects, revision);
        }

        Advance(revision);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var ev in _store.WatchAsync(RootPrefix, Revision, cancellationToken))
                {
                    Dispatch(ev);
                    Advance(ev.Revision);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Lost the stream (or fell behind a compaction): start over from a fresh list. Watchers are cut off
                // and re-watch; those whose revision is now too old get 410 and relist, as with a real API server.
                _logger.LogWarning(ex, "storage watch failed; reloading the watch cache");
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
                    await LoadAsync(cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception reloadError)
                {
                    _logger.LogError(reloadError, "watch cache reload failed");
                }
            }
        }
    }

    private void Dispatch(WatchEvent ev)
    {
        if (Route(ev.Key) is not { } cache)
        {
            return;
        }

        try
        {
            var def = cache.Definition;
            var previous = ev.PreviousValue is { } prev ? cache.Get(ev.Key) : null;
            CacheEvent change;
            if (ev.Type == WatchEventType.Delete)
            {
                _written.TryRemove(ev.Key, out _);
                var last = previous is not null
                    ? previous.WithRevision(ev.Revision)
                    : ObjectDecoder.Decode(def, ev.Key, ev.PreviousValue is { } p ? p.Span : default, ev.Revision);
                change = new CacheEvent(CacheEventType.Deleted, last, previous, ev.Revision);
            }
            else
            {
                var current = _written.TryRemove(ev.Key, out var handed) && handed.ModRevision == ev.Revision
                    ? handed
                    : ObjectDecoder.Decode(def, ev.Key, ev.Value.Span, ev.Revision);
                change = new CacheEvent(previous is null ? CacheEventType.Added : CacheEventType.Modified, current, previous, ev.Revision);
            }

            cache.Apply(change);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidCastException or NotSupportedException)
        {
            _logger.LogError(ex, "cannot decode stored object {Key} at revision {Revision}", ev.Key, ev.Revision);
        }
    }

    private ResourceWatchCache? Route(string key)
    {
        foreach (var (prefix, cache) in _routes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return cache;
            }
        }

        return null;
    }

    private void Advance(long revision)
    {
        Volatile.Write(ref _revision, revision);
        Interlocked.Exchange(ref _advanced, NewSignal()).TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
