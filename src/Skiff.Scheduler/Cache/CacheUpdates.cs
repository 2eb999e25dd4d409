using System.Collections.Concurrent;

namespace Skiff.Scheduler.Cache;

/// <summary>
/// The informers' changes to the <see cref="SchedulerCache"/>, which never wait for a scheduling cycle. A cycle
/// holds the cache's lock while it filters and scores (upstream takes a snapshot instead); a handler that finds the
/// lock taken leaves its change here rather than spinning and then sleeping on it, and whoever takes the lock next
/// applies the changes left, in their order, before anything else. So a cycle sees every change made before it
/// started, as upstream's snapshot at the start of the cycle does, and the handlers' threads stay free to deliver.
/// </summary>
public sealed class CacheUpdates
{
    private readonly SchedulerCache _cache;
    private readonly ConcurrentQueue<Action<SchedulerCache>> _pending = new();

    public CacheUpdates(SchedulerCache cache)
    {
        _cache = cache;
    }

    /// <summary>Changes left for the next holder of the lock.</summary>
    public int Pending => _pending.Count;

    /// <summary>Applies <paramref name="change"/> now when the lock is free, else leaves it for the lock's holder.</summary>
    public void Apply(Action<SchedulerCache> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (!_cache.Lock.TryEnter())
        {
            // Left behind even if the holder is just leaving: no one reads the cache without ApplyPending first.
            _pending.Enqueue(change);
            return;
        }

        try
        {
            ApplyPending();
            change(_cache);
        }
        finally
        {
            _cache.Lock.Exit();
        }
    }

    /// <summary>Under the cache's lock, before reading it: the changes left while it was held.</summary>
    public void ApplyPending()
    {
        if (!_cache.Lock.IsHeldByCurrentThread)
        {
            throw new InvalidOperationException("the scheduler cache's lock is not held");
        }

        while (_pending.TryDequeue(out var change))
        {
            change(_cache);
        }
    }
}
