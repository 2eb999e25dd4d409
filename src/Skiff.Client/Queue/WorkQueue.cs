namespace Skiff.Client.Queue;

/// <summary>
/// client-go's rate-limited work queue: an item added several times before a worker takes it is processed once;
/// an item is never processed by two workers at once (added while processing, it comes back after
/// <see cref="Done"/>); delayed and rate-limited adds. Items are usually keys (<c>namespace/name</c>).
/// </summary>
public sealed class WorkQueue<T> : IDisposable
    where T : notnull
{
    private readonly IRateLimiter<T> _limiter;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly LinkedList<T> _queue = new();
    private readonly HashSet<T> _dirty = [];
    private readonly HashSet<T> _processing = [];
    private readonly Dictionary<T, DateTimeOffset> _waiting = [];
    private readonly List<TaskCompletionSource> _getters = [];
    private readonly CancellationTokenSource _shutdown = new();

    public WorkQueue(IRateLimiter<T> limiter, TimeProvider time, string name = "")
    {
        _limiter = limiter;
        _time = time;
        Name = name;
    }

    public string Name { get; }

    /// <summary>Items waiting to be taken (not those being processed or delayed).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    public bool ShuttingDown => _shutdown.IsCancellationRequested;

    public void Add(T item)
    {
        lock (_gate)
        {
            if (_shutdown.IsCancellationRequested || !_dirty.Add(item))
            {
                return;
            }

            if (_processing.Contains(item))
            {
                return; // Done puts it back
            }

            _queue.AddLast(item);
            WakeOne();
        }
    }

    /// <summary>Adds the item after <paramref name="delay"/>; of several delayed adds of one item, the earliest wins.</summary>
    public void AddAfter(T item, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(item);
            return;
        }

        var due = _time.GetUtcNow() + delay;
        lock (_gate)
        {
            if (_shutdown.IsCancellationRequested)
            {
                return;
            }

            if (_waiting.TryGetValue(item, out var existing) && existing <= due)
            {
                return;
            }

            _waiting[item] = due;
        }

        _ = AddWhenDueAsync(item, due, delay);
    }

    /// <summary>Adds the item after its rate limiter's delay (one more failure counted).</summary>
    public void AddRateLimited(T item) => AddAfter(item, _limiter.When(item));

    /// <summary>The item succeeded: its back-off starts again from the beginning.</summary>
    public void Forget(T item) => _limiter.Forget(item);

    public int NumRequeues(T item) => _limiter.NumRequeues(item);

    /// <summary>Waits for the next item; returns <c>(default, false)</c> once the queue is shut down.
    /// Call <see cref="Done"/> when finished with the item.</summary>
    public async Task<(T Item, bool Ok)> GetAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource wake;
            lock (_gate)
            {
                if (_queue.First is { } first)
                {
                    _queue.RemoveFirst();
                    _processing.Add(first.Value);
                    _dirty.Remove(first.Value);
                    return (first.Value, true);
                }

                if (_shutdown.IsCancellationRequested)
                {
                    return (default!, false);
                }

                wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _getters.Add(wake);
            }

            try
            {
                await wake.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                lock (_gate)
                {
                    // Woken for an item just as the wait was cancelled: another getter takes it instead.
                    if (!_getters.Remove(wake) && _queue.Count > 0)
                    {
                        WakeOne();
                    }
                }

                throw;
            }
        }
    }

    /// <summary>The worker is finished with the item; if it was added meanwhile, it is queued again.</summary>
    public void Done(T item)
    {
        lock (_gate)
        {
            _processing.Remove(item);
            if (_dirty.Contains(item) && !_shutdown.IsCancellationRequested)
            {
                _queue.AddLast(item);
                WakeOne();
            }
        }
    }

    /// <summary>No more adds; waiting workers return once the queue is drained.</summary>
    public void ShutDown()
    {
        lock (_gate)
        {
            _shutdown.Cancel();
            WakeGetters();
        }
    }

    public void Dispose()
    {
        ShutDown();
        _shutdown.Dispose();
    }

    private async Task AddWhenDueAsync(T item, DateTimeOffset due, TimeSpan delay)
    {
        try
        {
            // A timer counts whole milliseconds on a clock of its own and can fire up to a millisecond before `due`
            // by this queue's clock. An item added then is synced before its time, finds nothing due and is queued
            // again for the fraction left, whose timer fires at once: 1,000 simulated nodes went round that loop
            // about 65 times per Lease renewal. The rest is waited out here instead, in whole milliseconds.
            for (var wait = delay; wait > TimeSpan.Zero; wait = WholeMilliseconds(due - _time.GetUtcNow()))
            {
                await Task.Delay(wait, _time, _shutdown.Token);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        lock (_gate)
        {
            // A later AddAfter with an earlier due time replaced ours: that one adds the item.
            if (!_waiting.TryGetValue(item, out var current) || current != due)
            {
                return;
            }

            _waiting.Remove(item);
        }

        Add(item);
    }

    private static TimeSpan WholeMilliseconds(TimeSpan span) =>
        span <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Ceiling(span.TotalMilliseconds));

    // One item, one getter: waking every idle worker for each item (5 per controller) made all but one of them take the
    // lock, find the queue empty and wait again. The getter that waited last goes first (its thread is the warmest).
    private void WakeOne()
    {
        if (_getters.Count > 0)
        {
            var getter = _getters[^1];
            _getters.RemoveAt(_getters.Count - 1);
            getter.TrySetResult();
        }
    }

    private void WakeGetters()
    {
        foreach (var getter in _getters)
        {
            getter.TrySetResult();
        }

        _getters.Clear();
    }
}
