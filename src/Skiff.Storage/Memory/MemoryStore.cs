using System.Runtime.CompilerServices;
using Skiff.Storage.Compaction;
using Skiff.Storage.Watching;

namespace Skiff.Storage.Memory;

/// <summary>
/// The whole <see cref="IStore"/> contract in memory, history included: for tests and for throw-away clusters.
/// Nothing survives the process. One lock orders every write, so revisions and watch events are strictly sequential.
/// </summary>
public sealed class MemoryStore : IStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, KeyHistory> _keys = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _orderedKeys = new(StringComparer.Ordinal);

    // Every revision after _compacted, in order: _log[i].Revision == _compacted + 1 + i.
    private readonly List<WatchEvent> _log = [];
    private readonly WatchBroadcaster _broadcaster;
    private readonly BackgroundCompactor? _compactor;
    private long _revision;
    private long _compacted;
    private bool _disposed;

    public MemoryStore()
        : this(new MemoryStoreOptions())
    {
    }

    public MemoryStore(MemoryStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _broadcaster = new WatchBroadcaster(0, options.WatchBufferSize);
        if (options.Compaction is not null)
        {
            _compactor = new BackgroundCompactor(this, options.Compaction, options.Time);
        }
    }

    public Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_revision);
        }
    }

    public Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_compacted);
        }
    }

    public Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken)
    {
        StorageErrors.ThrowIfInvalidKey(key);
        lock (_gate)
        {
            ThrowIfDisposed();
            return Task.FromResult(Current(key)?.ToKeyValue(key));
        }
    }

    public Task<ListResult> ListAsync(string prefix, ListOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Limit);
        lock (_gate)
        {
            ThrowIfDisposed();
            var token = options.Continue is null ? null : ContinueToken.Decode(options.Continue, prefix);
            var revision = token?.Revision ?? (options.Revision is null or 0 ? _revision : options.Revision.Value);
            ThrowIfNotReadable(prefix, revision);

            var items = new List<KeyValue>();
            long remaining = 0;
            foreach (var key in KeysFrom(prefix, token?.AfterKey))
            {
                if (_keys[key].At(revision) is not { } version)
                {
                    continue;
                }

                if (options.Limit == 0 || items.Count < options.Limit)
                {
                    items.Add(version.ToKeyValue(key));
                }
                else
                {
                    remaining++;
                }
            }

            var next = remaining > 0 ? new ContinueToken(revision, prefix, items[^1].Key).Encode() : null;
            return Task.FromResult(new ListResult(items, revision, next, remaining));
        }
    }

    public Task<long> CountAsync(string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        lock (_gate)
        {
            ThrowIfDisposed();
            return Task.FromResult((long)KeysFrom(prefix, null).Count(k => Current(k) is not null));
        }
    }

    public Task<KeyValue> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        StorageErrors.ThrowIfInvalidKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            if (Current(key) is { } existing)
            {
                throw StorageErrors.KeyExists(key, existing.ToKeyValue(key));
            }

            var revision = _revision + 1;
            var version = new KeyVersion(revision, revision, value.ToArray(), Deleted: false);
            Append(key, version, new WatchEvent(WatchEventType.Put, key, version.Value, null, revision, revision));
            return Task.FromResult(version.ToKeyValue(key));
        }
    }

    public Task<KeyValue> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken)
    {
        StorageErrors.ThrowIfInvalidKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var existing = Current(key) ?? throw StorageErrors.NotFound(key);
            if (existing.Revision != expectedModRevision)
            {
                throw StorageErrors.Conflict(key, expectedModRevision, existing.ToKeyValue(key));
            }

            var revision = _revision + 1;
            var version = new KeyVersion(revision, existing.CreateRevision, value.ToArray(), Deleted: false);
            Append(key, version, new WatchEvent(WatchEventType.Put, key, version.Value, existing.Value, revision, existing.CreateRevision));
            return Task.FromResult(version.ToKeyValue(key));
        }
    }

    public Task<KeyValue> DeleteAsync(string key, long? expectedModRevision, CancellationToken cancellationToken)
    {
        StorageErrors.ThrowIfInvalidKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var existing = Current(key) ?? throw StorageErrors.NotFound(key);
            if (expectedModRevision is { } expected && existing.Revision != expected)
            {
                throw StorageErrors.Conflict(key, expected, existing.ToKeyValue(key));
            }

            var revision = _revision + 1;
            var tombstone = new KeyVersion(revision, existing.CreateRevision, ReadOnlyMemory<byte>.Empty, Deleted: true);
            Append(key, tombstone, new WatchEvent(WatchEventType.Delete, key, ReadOnlyMemory<byte>.Empty, existing.Value, revision, existing.CreateRevision));
            return Task.FromResult(new KeyValue(key, existing.Value, existing.CreateRevision, revision));
        }
    }

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return _broadcaster.WatchAsync(prefix, afterRevision, ReplayAsync, cancellationToken);

        async IAsyncEnumerable<WatchEvent> ReplayAsync(long after, long upTo, [EnumeratorCancellation] CancellationToken ct)
        {
            await Task.Yield();
            List<WatchEvent> missed;
            lock (_gate)
            {
                if (after < _compacted)
                {
                    throw StorageErrors.Compacted(prefix, after, _compacted);
                }

                var from = (int)Math.Max(0, after - _compacted);
                var to = (int)Math.Max(from, upTo - _compacted);
                missed = _log.GetRange(from, to - from).FindAll(e => e.Key.StartsWith(prefix, StringComparison.Ordinal));
            }

            foreach (var e in missed)
            {
                ct.ThrowIfCancellationRequested();
                yield return e;
            }
        }
    }

    public Task CompactAsync(long revision, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (revision > _revision)
            {
                throw StorageErrors.FutureRevision(string.Empty, revision, _revision);
            }

            if (revision <= _compacted)
            {
                return Task.CompletedTask;
            }

            foreach (var key in _orderedKeys.ToList())
            {
                var history = _keys[key];
                history.Compact(revision);
                if (history.IsEmpty)
                {
                    _keys.Remove(key);
                    _orderedKeys.Remove(key);
                }
            }

            _log.RemoveRange(0, (int)(revision - _compacted));
            _compacted = revision;
            return Task.CompletedTask;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_compactor is not null)
        {
            await _compactor.DisposeAsync();
        }

        lock (_gate)
        {
            _disposed = true;
        }

        _broadcaster.Close(StorageErrors.Closed());
    }

    private KeyVersion? Current(string key) =>
        _keys.TryGetValue(key, out var history) && !history.IsEmpty && !history.Latest.Deleted ? history.Latest : null;

    private void Append(string key, KeyVersion version, WatchEvent e)
    {
        if (!_keys.TryGetValue(key, out var history))
        {
            history = new KeyHistory();
            _keys.Add(key, history);
            _orderedKeys.Add(key);
        }

        history.Add(version);
        _log.Add(e);
        _revision = version.Revision;
        _broadcaster.Publish([e]);
    }

    /// <summary>The keys (with any history) starting with <paramref name="prefix"/>, in order, strictly after <paramref name="afterKey"/> when given.</summary>
    private IEnumerable<string> KeysFrom(string prefix, string? afterKey)
    {
        var lower = afterKey ?? prefix;
        if (_orderedKeys.Count == 0 || string.CompareOrdinal(lower, _orderedKeys.Max) > 0)
        {
            return [];
        }

        return _orderedKeys.GetViewBetween(lower, _orderedKeys.Max!)
            .Where(k => afterKey is null || !string.Equals(k, afterKey, StringComparison.Ordinal))
            .TakeWhile(k => k.StartsWith(prefix, StringComparison.Ordinal));
    }

    private void ThrowIfNotReadable(string key, long revision)
    {
        if (revision > _revision)
        {
            throw StorageErrors.FutureRevision(key, revision, _revision);
        }

        if (revision < _compacted)
        {
            throw StorageErrors.Compacted(key, revision, _compacted);
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw StorageErrors.Closed();
        }
    }
}
