namespace Skiff.Scheduler.Queue;

/// <summary>
/// Upstream's scheduling queue in small: pods waiting to be tried (active, highest priority first, then oldest),
/// pods backing off after a failed attempt (1 s doubling to 10 s), and pods found unschedulable, which wait for a
/// cluster event that could make them fit (a node added or changed, a pod deleted) or at most
/// <c>maxInUnschedulable</c>. Items are pod keys; the scheduler reads the pod itself from the informer when it
/// pops one.
/// </summary>
public sealed class SchedulingQueue
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _initialBackoff;
    private readonly TimeSpan _maxBackoff;
    private readonly TimeSpan _maxInUnschedulable;
    private readonly object _gate = new();
    private readonly PriorityQueue<string, (int NegativePriority, long Sequence)> _active = new();
    private readonly HashSet<string> _inActive = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _backoff = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _unschedulable = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _priority = new(StringComparer.Ordinal);
    private readonly List<TaskCompletionSource> _waiters = [];
    private long _sequence;

    public SchedulingQueue(TimeProvider time, TimeSpan initialBackoff, TimeSpan maxBackoff, TimeSpan maxInUnschedulable)
    {
        _time = time;
        _initialBackoff = initialBackoff;
        _maxBackoff = maxBackoff;
        _maxInUnschedulable = maxInUnschedulable;
    }

    public int ActiveCount
    {
        get
        {
            lock (_gate)
            {
                return _inActive.Count;
            }
        }
    }

    public int BackoffCount
    {
        get
        {
            lock (_gate)
            {
                return _backoff.Count;
            }
        }
    }

    public int UnschedulableCount
    {
        get
        {
            lock (_gate)
            {
                return _unschedulable.Count;
            }
        }
    }

    /// <summary>A pending pod appeared or changed: try it (unless it is backing off).</summary>
    public void Add(string key, int priority)
    {
        lock (_gate)
        {
            _priority[key] = priority;
            if (_inActive.Contains(key) || _backoff.ContainsKey(key))
            {
                return;
            }

            // A change to an unschedulable pod may make it fit: try it again.
            _unschedulable.Remove(key);
            Activate(key);
        }
    }

    /// <summary>The pod is gone or bound: forget it everywhere.</summary>
    public void Remove(string key)
    {
        lock (_gate)
        {
            _inActive.Remove(key); // a stale entry left in the heap is skipped when popped
            _backoff.Remove(key);
            _unschedulable.Remove(key);
            _attempts.Remove(key);
            _priority.Remove(key);
        }
    }

    /// <summary>No node fits now: wait for a cluster event (or the maximum time).</summary>
    public void AddUnschedulable(string key)
    {
        lock (_gate)
        {
            _attempts[key] = _attempts.GetValueOrDefault(key) + 1;
            _unschedulable[key] = _time.GetUtcNow();
        }
    }

    /// <summary>An error (binding failed...): try again after the pod's back-off.</summary>
    public void AddBackoff(string key)
    {
        lock (_gate)
        {
            _attempts[key] = _attempts.GetValueOrDefault(key) + 1;
            _backoff[key] = _time.GetUtcNow() + Backoff(key);
        }
    }

    /// <summary>Something changed that could make unschedulable pods fit: move them to be tried (after their
    /// back-off).</summary>
    public void MoveAllToActiveOrBackoff()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            foreach (var (key, since) in _unschedulable)
            {
                var ready = since + Backoff(key);
                if (ready <= now)
                {
                    Activate(key);
                }
                else
                {
                    _backoff[key] = ready;
                }
            }

            _unschedulable.Clear();
        }
    }

    /// <summary>Moves pods whose back-off ended, and pods unschedulable for too long, to active. Called
    /// periodically (upstream: every second and every 30 s).</summary>
    public void Flush()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            foreach (var key in _backoff.Where(b => b.Value <= now).Select(b => b.Key).ToList())
            {
                _backoff.Remove(key);
                Activate(key);
            }

            foreach (var key in _unschedulable.Where(u => now - u.Value >= _maxInUnschedulable).Select(u => u.Key).ToList())
            {
                _unschedulable.Remove(key);
                Activate(key);
            }
        }
    }

    /// <summary>The next pod to try, highest priority first; waits while none is active.</summary>
    public async Task<string> PopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource wake;
            lock (_gate)
            {
                while (_active.TryDequeue(out var key, out _))
                {
                    if (_inActive.Remove(key))
                    {
                        return key;
                    }
                }

                wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add(wake);
            }

            await wake.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The pod was bound: its attempts are forgotten.</summary>
    public void Done(string key)
    {
        lock (_gate)
        {
            _attempts.Remove(key);
        }
    }

    private TimeSpan Backoff(string key)
    {
        var attempts = Math.Max(1, _attempts.GetValueOrDefault(key));
        var delay = _initialBackoff * Math.Pow(2, Math.Min(attempts - 1, 30));
        return delay > _maxBackoff ? _maxBackoff : delay;
    }

    private void Activate(string key)
    {
        if (_inActive.Add(key))
        {
            _active.Enqueue(key, (-_priority.GetValueOrDefault(key), _sequence++));
            foreach (var waiter in _waiters)
            {
                waiter.TrySetResult();
            }

            _waiters.Clear();
        }
    }
}
