using System.Threading.Channels;

namespace Skiff.ApiServer.Watch;

/// <summary>
/// One watch client's queue. The cache writes into it without waiting; a watcher whose queue is full is cut off (its
/// stream ends and the client re-watches from its last resourceVersion) so one slow reader never slows the others.
/// </summary>
public sealed class Watcher
{
    private readonly Channel<CacheEvent> _queue;
    private readonly Func<CachedObject, bool> _matches;
    private readonly long _afterRevision;

    internal Watcher(Func<CachedObject, bool> matches, long afterRevision, int capacity)
    {
        _matches = matches;
        _afterRevision = afterRevision;
        _queue = Channel.CreateBounded<CacheEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public ChannelReader<CacheEvent> Events => _queue.Reader;

    /// <summary>True once the watcher was cut off for being too slow (or because the cache was reset).</summary>
    public bool CutOff { get; private set; }

    /// <summary>The event this watcher should see for <paramref name="e"/>, with the selector crossing rules of
    /// Kubernetes: an object that starts matching is ADDED, one that stops matching is DELETED.</summary>
    internal CacheEvent? Project(CacheEvent e)
    {
        if (e.Revision <= _afterRevision)
        {
            return null;
        }

        switch (e.Type)
        {
            case CacheEventType.Added:
                return _matches(e.Object) ? e : null;
            case CacheEventType.Deleted:
                return _matches(e.Object) ? e : null;
            default:
                var now = _matches(e.Object);
                var before = e.Previous is not null && _matches(e.Previous);
                if (now && before)
                {
                    return e;
                }

                if (now)
                {
                    return new CacheEvent(CacheEventType.Added, e.Object, e.Previous, e.Revision);
                }

                return before ? new CacheEvent(CacheEventType.Deleted, Restamp(e.Previous!, e.Object), null, e.Revision) : null;
        }
    }

    /// <summary>Queues an event; returns false (and cuts the watcher off) when the queue is full.</summary>
    internal bool Offer(CacheEvent e)
    {
        var projected = Project(e);
        if (projected is null)
        {
            return true;
        }

        if (_queue.Writer.TryWrite(projected))
        {
            return true;
        }

        Stop();
        return false;
    }

    internal void Stop()
    {
        CutOff = true;
        _queue.Writer.TryComplete();
    }

    /// <summary>The previous state of an object carrying the revision of the change that made it stop matching.</summary>
    private static CachedObject Restamp(CachedObject previous, CachedObject current) => previous.WithRevision(current.ModRevision);
}
