using System.Threading.Channels;

namespace Skiff.Storage.Watching;

/// <summary>
/// One watcher's bounded buffer of live events for one prefix. The broadcaster offers events without ever waiting; a
/// watcher whose buffer is full is ended with <see cref="StorageErrors.WatcherTooSlow"/> so that writers never block.
/// </summary>
public sealed class WatchSubscription : IDisposable
{
    private readonly Channel<WatchEvent> _buffer;
    private readonly WatchBroadcaster _owner;
    private readonly int _capacity;

    internal WatchSubscription(WatchBroadcaster owner, string prefix, int capacity, long startRevision)
    {
        _owner = owner;
        _capacity = capacity;
        Prefix = prefix;
        StartRevision = startRevision;
        _buffer = Channel.CreateBounded<WatchEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The prefix watched.</summary>
    public string Prefix { get; }

    /// <summary>The last revision published before this subscription started: live events are all newer.</summary>
    public long StartRevision { get; }

    /// <summary>The live events, in revision order. Ends with an exception when the watcher was too slow or the store closed.</summary>
    public ChannelReader<WatchEvent> Events => _buffer.Reader;

    public void Dispose() => _owner.Remove(this);

    /// <summary>Offers the matching events; false when the buffer overflowed and the watcher was ended.</summary>
    internal bool Offer(IReadOnlyList<WatchEvent> events)
    {
        foreach (var e in events)
        {
            if (e.Key.StartsWith(Prefix, StringComparison.Ordinal) && !_buffer.Writer.TryWrite(e))
            {
                _buffer.Writer.TryComplete(StorageErrors.WatcherTooSlow(Prefix, _capacity));
                return false;
            }
        }

        return true;
    }

    internal void End(Exception reason) => _buffer.Writer.TryComplete(reason);
}
