using System.Runtime.CompilerServices;

namespace Skiff.Storage.Watching;

/// <summary>
/// Fans committed events out to live watchers, in process, right after each commit (no polling), and joins a replay of
/// history with the live stream so that a watch from a past revision has no gap and no duplicate.
/// </summary>
/// <remarks>
/// The store's single writer calls <see cref="Publish"/> after each commit, in revision order. A subscription records the
/// last revision published when it started (under the same lock as <see cref="Publish"/>), so the events up to that
/// revision come from the store's history and every later one arrives live.
/// </remarks>
public sealed class WatchBroadcaster
{
    private readonly Lock _gate = new();
    private readonly List<WatchSubscription> _subscriptions = [];
    private readonly int _bufferSize;
    private long _lastPublished;
    private Exception? _closedReason;

    /// <param name="lastPublishedRevision">The store's current revision when the broadcaster is created.</param>
    /// <param name="bufferSize">How many undelivered live events a watcher may have before it is ended as too slow.</param>
    public WatchBroadcaster(long lastPublishedRevision, int bufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bufferSize);
        _lastPublished = lastPublishedRevision;
        _bufferSize = bufferSize;
    }

    /// <summary>How many watchers are subscribed now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _subscriptions.Count;
            }
        }
    }

    /// <summary>Starts buffering live events for <paramref name="prefix"/>.</summary>
    public WatchSubscription Subscribe(string prefix)
    {
        lock (_gate)
        {
            if (_closedReason is not null)
            {
                throw StorageErrors.Closed();
            }

            var subscription = new WatchSubscription(this, prefix, _bufferSize, _lastPublished);
            _subscriptions.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Hands committed events (in revision order, newer than anything published before) to every watcher.</summary>
    public void Publish(IReadOnlyList<WatchEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            _subscriptions.RemoveAll(s => !s.Offer(events));
            _lastPublished = events[^1].Revision;
        }
    }

    /// <summary>Ends every watcher with <paramref name="reason"/> and refuses new ones.</summary>
    public void Close(Exception reason)
    {
        lock (_gate)
        {
            _closedReason = reason;
            foreach (var subscription in _subscriptions)
            {
                subscription.End(reason);
            }

            _subscriptions.Clear();
        }
    }

    /// <summary>
    /// The events of <paramref name="prefix"/> newer than <paramref name="afterRevision"/>: first those already committed,
    /// read by <paramref name="replay"/>, then live ones.
    /// </summary>
    /// <param name="replay">Yields the history of the prefix in (after, upTo], in revision order; throws
    /// <see cref="StorageErrorCode.Compacted"/> when <c>after</c> is below the compacted revision.</param>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(
        string prefix,
        long afterRevision,
        Func<long, long, CancellationToken, IAsyncEnumerable<WatchEvent>> replay,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var subscription = Subscribe(prefix);
        await foreach (var e in replay(afterRevision, subscription.StartRevision, cancellationToken))
        {
            yield return e;
        }

        var events = subscription.Events;
        while (await events.WaitToReadAsync(cancellationToken))
        {
            while (events.TryRead(out var e))
            {
                if (e.Revision > afterRevision)
                {
                    yield return e;
                }
            }
        }

        // Completed without an error only when removed on dispose, which cannot happen while we read; keep the
        // completion's exception visible to the caller.
        await events.Completion;
    }

    internal void Remove(WatchSubscription subscription)
    {
        lock (_gate)
        {
            _subscriptions.Remove(subscription);
        }
    }
}
