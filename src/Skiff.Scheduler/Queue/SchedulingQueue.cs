using k8s.Models;
using Skiff.Client.Cache;

namespace Skiff.Scheduler.Queue;

/// <summary>
/// Upstream's PriorityQueue: pods to schedule wait in <em>active</em> (highest <c>spec.priority</c> first, then the
/// oldest), pods that just failed wait out a back-off (1 s doubling to 10 s per attempt) in <em>backoff</em>, and
/// pods no node fits wait in <em>unschedulable</em> until a cluster event (node added or changed, pod deleted) may
/// make them fit, or 5 minutes pass. A pod that failed while such an event happened goes to back-off rather than
/// unschedulable, so the event is not lost.
/// </summary>
public sealed class SchedulingQueue : IDisposable
{
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxInUnschedulable = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, QueuedPod> _pods = new(StringComparer.Ordinal);
    private readonly PriorityQueue<(QueuedPod Pod, long Version), (int NegPriority, DateTimeOffset Timestamp, long Seq)> _active = new();
    private readonly PriorityQueue<(QueuedPod Pod, long Version), DateTimeOffset> _backoff = new();
    private readonly SemaphoreSlim _signal = new(0);
    private long _seq;
    private long _schedulingCycle;
    private long _moveRequestCycle = -1;

    public SchedulingQueue(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Counts per sub-queue, for tests and metrics.</summary>
    public (int Active, int Backoff, int Unschedulable) Counts
    {
        get
        {
            lock (_lock)
            {
                return (_pods.Values.Count(p => p.Location == QueueLocation.Active),
                    _pods.Values.Count(p => p.Location == QueueLocation.Backoff),
                    _pods.Values.Count(p => p.Location == QueueLocation.Unschedulable));
            }
        }
    }

    /// <summary>A new pending pod, or one that changed: into active unless it waits out a back-off.</summary>
    public void AddOrUpdate(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var key = ObjectKeys.Of(pod);
        lock (_lock)
        {
            if (!_pods.TryGetValue(key, out var queued))
            {
                queued = new QueuedPod(pod, key, _time.GetUtcNow());
                _pods[key] = queued;
                PushActive(queued);
                return;
            }

            var old = queued.Pod;
            queued.Pod = pod;
            if (queued.Location == QueueLocation.Unschedulable && MayChangeFit(old, pod))
            {
                MoveOut(queued);
            }
        }
    }

    public void Delete(string key)
    {
        lock (_lock)
        {
            if (_pods.Remove(key, out var queued))
            {
                queued.Location = QueueLocation.None;
                queued.Version++;
            }
        }
    }

    public bool Contains(string key)
    {
        lock (_lock)
        {
            return _pods.ContainsKey(key);
        }
    }

    /// <summary>The next pod to schedule (waits for one); it stays known to the queue, in flight, until
    /// <see cref="Done"/> or <see cref="AddUnschedulable"/>.</summary>
    public async Task<(QueuedPod Pod, long Cycle)> PopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _signal.WaitAsync(cancellationToken);
            lock (_lock)
            {
                while (_active.TryDequeue(out var entry, out _))
                {
                    if (entry.Pod.Version != entry.Version || entry.Pod.Location != QueueLocation.Active)
                    {
                        continue;
                    }

                    entry.Pod.Location = QueueLocation.InFlight;
                    entry.Pod.Attempts++;
                    return (entry.Pod, ++_schedulingCycle);
                }
            }
        }
    }

    /// <summary>The pod was bound (or given up): it leaves the queue.</summary>
    public void Done(string key)
    {
        lock (_lock)
        {
            if (_pods.TryGetValue(key, out var queued) && queued.Location == QueueLocation.InFlight)
            {
                _pods.Remove(key);
                queued.Location = QueueLocation.None;
            }
        }
    }

    /// <summary>
    /// The pod did not fit in scheduling cycle <paramref name="cycle"/>: it waits in unschedulable, or in back-off
    /// when a move request came after that cycle began (or <paramref name="retryable"/>: an error, not a misfit).
    /// </summary>
    public void AddUnschedulable(QueuedPod pod, long cycle, bool retryable = false)
    {
        ArgumentNullException.ThrowIfNull(pod);
        lock (_lock)
        {
            if (!_pods.TryGetValue(pod.Key, out var current) || !ReferenceEquals(current, pod))
            {
                return; // deleted meanwhile
            }

            pod.Timestamp = _time.GetUtcNow();
            if (retryable || _moveRequestCycle >= cycle)
            {
                PushBackoff(pod);
            }
            else
            {
                pod.Location = QueueLocation.Unschedulable;
                pod.Version++;
            }
        }
    }

    /// <summary>A cluster event that may make unschedulable pods fit: all of them move to active (or back-off while
    /// theirs has not expired).</summary>
    public void MoveAllToActiveOrBackoff()
    {
        lock (_lock)
        {
            foreach (var queued in _pods.Values)
            {
                if (queued.Location == QueueLocation.Unschedulable)
                {
                    MoveOut(queued);
                }
            }

            _moveRequestCycle = _schedulingCycle;
        }
    }

    /// <summary>Moves pods whose back-off has expired to active (run every second).</summary>
    public void FlushBackoffCompleted()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            while (_backoff.TryPeek(out var entry, out var expiry) && expiry <= now)
            {
                _backoff.Dequeue();
                if (entry.Pod.Version == entry.Version && entry.Pod.Location == QueueLocation.Backoff)
                {
                    PushActive(entry.Pod);
                }
            }
        }
    }

    /// <summary>Moves pods unschedulable for longer than 5 minutes back (upstream's periodic flush, every 30 s).</summary>
    public void FlushUnschedulableLeftover()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            foreach (var queued in _pods.Values)
            {
                if (queued.Location == QueueLocation.Unschedulable && now - queued.Timestamp > MaxInUnschedulable)
                {
                    MoveOut(queued);
                }
            }
        }
    }

    /// <summary>Runs the periodic flushes until cancelled.</summary>
    public async Task RunFlushesAsync(CancellationToken cancellationToken)
    {
        var ticks = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken);
            FlushBackoffCompleted();
            if (++ticks % 30 == 0)
            {
                FlushUnschedulableLeftover();
            }
        }
    }

    /// <summary>Upstream's calculateBackoffDuration: 1 s doubled per attempt after the first, at most 10 s.</summary>
    public static TimeSpan BackoffFor(int attempts)
    {
        var backoff = InitialBackoff;
        for (var i = 1; i < attempts; i++)
        {
            backoff += backoff;
            if (backoff >= MaxBackoff)
            {
                return MaxBackoff;
            }
        }

        return backoff;
    }

    public void Dispose() => _signal.Dispose();

    /// <summary>Upstream's isPodUpdated: a change of the status alone (e.g. our own PodScheduled condition) does not
    /// make a pod fit; a spec change (generation) or a label change may.</summary>
    private static bool MayChangeFit(V1Pod old, V1Pod pod)
    {
        if (old.Metadata.Generation != pod.Metadata.Generation)
        {
            return true;
        }

        var a = old.Metadata.Labels;
        var b = pod.Metadata.Labels;
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return true;
        }

        return a is not null && b is not null && a.Any(kv => !b.TryGetValue(kv.Key, out var v) || v != kv.Value);
    }

    private void MoveOut(QueuedPod queued)
    {
        if (queued.Timestamp + BackoffFor(queued.Attempts) > _time.GetUtcNow())
        {
            PushBackoff(queued);
        }
        else
        {
            PushActive(queued);
        }
    }

    private void PushActive(QueuedPod queued)
    {
        queued.Location = QueueLocation.Active;
        queued.Version++;
        _active.Enqueue((queued, queued.Version), (-queued.Priority, queued.Timestamp, _seq++));
        _signal.Release();
    }

    private void PushBackoff(QueuedPod queued)
    {
        queued.Location = QueueLocation.Backoff;
        queued.Version++;
        _backoff.Enqueue((queued, queued.Version), queued.Timestamp + BackoffFor(queued.Attempts));
    }
}
