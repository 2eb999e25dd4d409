using System.Threading.Channels;

namespace Skiff.Streaming.Spdy;

/// <summary>
/// One SPDY stream: its headers, the data the peer sends (until its FIN or a reset) and a way to send data, half-close
/// (FIN) or reset. Peer-opened streams must be answered with <see cref="ReplyAsync"/> before data is written: Go's
/// spdystream drops data on streams it has not seen a reply for.
/// </summary>
public sealed class SpdyStream
{
    /// <summary>Large writes are cut into frames of this size so one stream cannot hog the connection.</summary>
    public const int MaxDataFrame = 32 * 1024;

    private readonly SpdyConnection _connection;
    private readonly Channel<ReadOnlyMemory<byte>> _data = Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });
    private readonly TaskCompletionSource<IReadOnlyList<KeyValuePair<string, string>>> _replied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _localClosed;

    internal SpdyStream(SpdyConnection connection, uint id, IReadOnlyList<KeyValuePair<string, string>> headers, bool replied)
    {
        _connection = connection;
        Id = id;
        Headers = headers;
        if (replied)
        {
            _replied.TrySetResult([]);
        }
    }

    public uint Id { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>Completes when the peer replied to a stream we opened (or at once for peer-opened streams); faults if it was reset first.</summary>
    public Task Replied => _replied.Task;

    /// <summary>True once the peer reset the stream or the connection broke.</summary>
    public bool WasReset { get; private set; }

    /// <summary>The first value of header <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    public Task ReplyAsync(CancellationToken cancellationToken) => _connection.SendAsync(new SynReplyFrame(Id, false, []), cancellationToken);

    /// <summary>The next chunk of data from the peer, or null once it half-closed (FIN) or reset the stream.</summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(CancellationToken cancellationToken)
    {
        while (await _data.Reader.WaitToReadAsync(cancellationToken))
        {
            if (_data.Reader.TryRead(out var chunk))
            {
                return chunk;
            }
        }

        return null;
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        for (var offset = 0; offset < data.Length; offset += MaxDataFrame)
        {
            var piece = data.Slice(offset, Math.Min(MaxDataFrame, data.Length - offset));
            await _connection.SendAsync(new DataFrame(Id, false, piece), cancellationToken);
        }
    }

    /// <summary>Half-closes our side (an empty DATA frame with FIN). Idempotent.</summary>
    public async Task CloseWriteAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _localClosed, 1) == 0)
        {
            await _connection.SendAsync(new DataFrame(Id, true, ReadOnlyMemory<byte>.Empty), cancellationToken);
        }
    }

    public async Task ResetAsync(RstStatus status, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _localClosed, 1);
        _connection.Forget(Id);
        RemoteClosed(reset: true);
        await _connection.SendAsync(new RstStreamFrame(Id, status), cancellationToken);
    }

    internal void ReplyReceived(IReadOnlyList<KeyValuePair<string, string>> headers) => _replied.TrySetResult(headers);

    internal void DataReceived(ReadOnlyMemory<byte> data) => _data.Writer.TryWrite(data);

    internal void RemoteClosed(bool reset)
    {
        if (reset)
        {
            WasReset = true;
            _replied.TrySetException(new IOException($"SPDY stream {Id} was reset"));
        }

        _data.Writer.TryComplete();
    }
}
