using Skiff.Apimachinery;

namespace Skiff.ApiServer.Watch;

/// <summary>
/// The current objects of one resource plus a window of its recent events, fed by the hub's single storage watch.
/// Lists are served from <see cref="Snapshot"/>; watches replay from the window and then receive live events.
/// The window sizes itself as upstream's watch cache does: when it is full and its oldest event is still fresh
/// (younger than <see cref="WatchHistoryWindow.Freshness"/>) it doubles, up to the upper bound, so that a watcher that
/// fell behind for a moment under a burst of writes resumes from the window instead of relisting; when a quarter of it
/// has gone stale it halves again, down to the lower bound.
/// </summary>
public sealed class ResourceWatchCache
{
    private readonly object _gate = new();
    private readonly SortedDictionary<string, CachedObject> _objects = new(StringComparer.Ordinal);
    private readonly List<Watcher> _watchers = [];
    private readonly int _watcherCapacity;
    private readonly WatchHistoryWindow _window;
    private CacheEvent?[] _ring;

    // When each event of the ring was applied (TimeProvider timestamps), at the same index.
    private long[] _appliedAt;
    private int _ringStart;
    private int _ringCount;

    // Every event of this resource with a revision above this is in the ring.
    private long _windowStart;
    private long _generation;

    public ResourceWatchCache(ResourceDefinition definition, WatchHistoryWindow window, int watcherCapacity)
    {
        ArgumentNullException.ThrowIfNull(window);
        Definition = definition;
        _window = window;
        _ring = new CacheEvent?[window.LowerBound];
        _appliedAt = new long[window.LowerBound];
        _watcherCapacity = watcherCapacity;
    }

    /// <summary>How many events the window can hold now.</summary>
    public int HistoryCapacity
    {
        get
        {
            lock (_gate)
            {
                return _ring.Length;
            }
        }
    }

    public ResourceDefinition Definition { get; }

    /// <summary>Changes (grows) with every applied event or reset: a cheap "has anything changed" for derived indexes.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public int WatcherCount
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _objects.Count;
            }
        }
    }

    /// <summary>Replaces the content with a fresh list at <paramref name="revision"/>; current watchers are cut off.</summary>
    internal void Reset(IEnumerable<CachedObject> objects, long revision)
    {
        lock (_gate)
        {
            foreach (var w in _watchers)
            {
                w.Stop();
            }

            _watchers.Clear();
            _objects.Clear();
            foreach (var obj in objects)
            {
                _objects[obj.Key] = obj;
            }

            _ring = new CacheEvent?[_window.LowerBound];
            _appliedAt = new long[_window.LowerBound];
            _ringStart = 0;
            _ringCount = 0;
            _windowStart = revision;
            Interlocked.Increment(ref _generation);
        }
    }

    internal void Apply(CacheEvent e)
    {
        lock (_gate)
        {
            if (e.Type == CacheEventType.Deleted)
            {
                _objects.Remove(e.Object.Key);
            }
            else
            {
                _objects[e.Object.Key] = e.Object;
            }

            var now = _window.Time.GetTimestamp();
            if (_ringCount == _ring.Length)
            {
                Resize(now);
            }

            if (_ringCount == _ring.Length)
            {
                Drop(1);
            }

            _ring[(_ringStart + _ringCount) % _ring.Length] = e;
            _appliedAt[(_ringStart + _ringCount) % _ring.Length] = now;
            _ringCount++;
            Interlocked.Increment(ref _generation);

            for (var i = _watchers.Count - 1; i >= 0; i--)
            {
                if (!_watchers[i].Offer(e))
                {
                    _watchers.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>A full window doubles while its oldest event is fresh, and halves once the event a quarter of the way
    /// in is stale (upstream's watch cache resizing).</summary>
    private void Resize(long now)
    {
        var length = _ring.Length;
        if (length < _window.UpperBound && _window.Time.GetElapsedTime(_appliedAt[_ringStart], now) < _window.Freshness)
        {
            Rebuild(Math.Min(_window.UpperBound, length * 2));
        }
        else if (length > _window.LowerBound && _window.Time.GetElapsedTime(_appliedAt[(_ringStart + (length / 4)) % length], now) >= _window.Freshness)
        {
            var capacity = Math.Max(_window.LowerBound, length / 2);
            Drop(_ringCount - capacity + 1);
            Rebuild(capacity);
        }
    }

    /// <summary>Forgets the <paramref name="count"/> oldest events; the window then starts at the last one's revision.</summary>
    private void Drop(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _windowStart = _ring[_ringStart]!.Revision;
            _ring[_ringStart] = null;
            _ringStart = (_ringStart + 1) % _ring.Length;
            _ringCount--;
        }
    }

    private void Rebuild(int capacity)
    {
        var ring = new CacheEvent?[capacity];
        var appliedAt = new long[capacity];
        for (var i = 0; i < _ringCount; i++)
        {
            ring[i] = _ring[(_ringStart + i) % _ring.Length];
            appliedAt[i] = _appliedAt[(_ringStart + i) % _ring.Length];
        }

        _ring = ring;
        _appliedAt = appliedAt;
        _ringStart = 0;
    }

    public CachedObject? Get(string key)
    {
        lock (_gate)
        {
            return _objects.GetValueOrDefault(key);
        }
    }

    /// <summary>The current objects under <paramref name="keyPrefix"/> that pass <paramref name="matches"/>, by key.</summary>
    public List<CachedObject> Snapshot(string keyPrefix, Func<CachedObject, bool> matches)
    {
        lock (_gate)
        {
            var result = new List<CachedObject>();
            foreach (var (key, obj) in _objects)
            {
                if (key.StartsWith(keyPrefix, StringComparison.Ordinal) && matches(obj))
                {
                    result.Add(obj);
                }
            }

            return result;
        }
    }

    /// <summary>
    /// Starts a watch. With <paramref name="afterRevision"/> null the initial events are ADDED for every current
    /// matching object; otherwise they are the window's events after that revision.
    /// </summary>
    /// <returns>The initial events and the registered watcher; a null watcher when <paramref name="afterRevision"/> is
    /// older than the window (the client must relist: 410 Expired), with the oldest revision still known.</returns>
    public (List<CacheEvent> Initial, Watcher? Watcher, long OldestRevision) Watch(long? afterRevision, Func<CachedObject, bool> matches)
    {
        lock (_gate)
        {
            var initial = new List<CacheEvent>();
            Watcher watcher;
            if (afterRevision is null)
            {
                foreach (var obj in _objects.Values)
                {
                    if (matches(obj))
                    {
                        initial.Add(new CacheEvent(CacheEventType.Added, obj, null, obj.ModRevision));
                    }
                }

                watcher = new Watcher(matches, 0, _watcherCapacity);
            }
            else
            {
                if (afterRevision.Value < _windowStart)
                {
                    return (initial, null, _windowStart);
                }

                watcher = new Watcher(matches, afterRevision.Value, _watcherCapacity);
                for (var i = 0; i < _ringCount; i++)
                {
                    var e = _ring[(_ringStart + i) % _ring.Length]!;
                    if (watcher.Project(e) is { } projected)
                    {
                        initial.Add(projected);
                    }
                }
            }

            _watchers.Add(watcher);
            return (initial, watcher, _windowStart);
        }
    }

    public void Unsubscribe(Watcher watcher)
    {
        lock (_gate)
        {
            _watchers.Remove(watcher);
        }
    }
}
