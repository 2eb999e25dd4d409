using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Skiff.Streaming.Spdy;

/// <summary>
/// A SPDY/3.1 session over any byte stream (an upgraded HTTP connection, or a WebSocket wrapped as a stream). Streams
/// opened by the peer arrive on <see cref="IncomingStreams"/>; <see cref="OpenStreamAsync"/> creates local ones (odd ids
/// for the client, even for the server). Pings from the peer are answered. Like Kubernetes' spdystream there is no
/// send-side flow control: WINDOW_UPDATE frames are accepted and ignored, and none are sent.
/// Call <see cref="RunAsync"/> once to pump incoming frames; it returns when the peer closes or sends GOAWAY.
/// </summary>
public sealed class SpdyConnection : IAsyncDisposable
{
    private readonly Stream _transport;
    private readonly HeaderBlockCodec _codec = new();
    private readonly SpdyFramer _framer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<uint, SpdyStream> _streams = new();
    private readonly Channel<SpdyStream> _incoming = Channel.CreateUnbounded<SpdyStream>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly bool _isServer;
    private uint _nextStreamId;
    private uint _lastPeerStreamId;
    private int _disposed;

    public SpdyConnection(Stream transport, bool isServer)
    {
        _transport = transport;
        _isServer = isServer;
        _framer = new SpdyFramer(_codec);
        _nextStreamId = isServer ? 2u : 1u;
    }

    public ChannelReader<SpdyStream> IncomingStreams => _incoming.Reader;

    /// <summary>Reads frames until the peer closes the transport or goes away; then ends every open stream.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var frame = await _framer.ReadAsync(_transport, cancellationToken);
                if (frame is null || frame is GoAwayFrame)
                {
                    return;
                }

                await HandleAsync(frame, cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
            // The transport broke; the streams end below.
        }
        finally
        {
            _incoming.Writer.TryComplete();
            foreach (var stream in _streams.Values)
            {
                stream.RemoteClosed(reset: true);
            }
        }
    }

    /// <summary>Opens a stream with <paramref name="headers"/> (sends SYN_STREAM); the peer's SYN_REPLY completes <see cref="SpdyStream.Replied"/>.</summary>
    public async Task<SpdyStream> OpenStreamAsync(IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var id = _nextStreamId;
            _nextStreamId += 2;
            var stream = new SpdyStream(this, id, headers, replied: false);
            _streams[id] = stream;
            await WriteLockedAsync(new SynStreamFrame(id, 0, 0, false, false, headers), cancellationToken);
            return stream;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    internal async Task SendAsync(SpdyFrame frame, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await WriteLockedAsync(frame, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    internal void Forget(uint streamId) => _streams.TryRemove(streamId, out _);

    private async Task WriteLockedAsync(SpdyFrame frame, CancellationToken cancellationToken)
    {
        // Encoding happens under the lock: header blocks share one zlib stream and must hit the wire in order.
        var bytes = _framer.Encode(frame);
        await _transport.WriteAsync(bytes, cancellationToken);
        await _transport.FlushAsync(cancellationToken);
    }

    private async Task HandleAsync(SpdyFrame frame, CancellationToken cancellationToken)
    {
        switch (frame)
        {
            case SynStreamFrame syn:
                if (syn.StreamId == 0 || (syn.StreamId % 2 == 0) != !_isServer || syn.StreamId <= _lastPeerStreamId)
                {
                    await SendAsync(new RstStreamFrame(syn.StreamId, RstStatus.ProtocolError), cancellationToken);
                    return;
                }

                _lastPeerStreamId = syn.StreamId;
                var stream = new SpdyStream(this, syn.StreamId, syn.Headers, replied: true);
                _streams[syn.StreamId] = stream;
                if (syn.Fin)
                {
                    stream.RemoteClosed(reset: false);
                }

                await _incoming.Writer.WriteAsync(stream, cancellationToken);
                return;
            case SynReplyFrame reply:
                if (_streams.TryGetValue(reply.StreamId, out var replied))
                {
                    replied.ReplyReceived(reply.Headers);
                    if (reply.Fin)
                    {
                        replied.RemoteClosed(reset: false);
                    }
                }

                return;
            case DataFrame data:
                if (_streams.TryGetValue(data.StreamId, out var target))
                {
                    if (data.Data.Length > 0)
                    {
                        target.DataReceived(data.Data);
                    }

                    if (data.Fin)
                    {
                        target.RemoteClosed(reset: false);
                    }
                }

                return;
            case RstStreamFrame rst:
                if (_streams.TryRemove(rst.StreamId, out var reset))
                {
                    reset.RemoteClosed(reset: true);
                }

                return;
            case HeadersFrame headers:
                if (headers.Fin && _streams.TryGetValue(headers.StreamId, out var finished))
                {
                    finished.RemoteClosed(reset: false);
                }

                return;
            case PingFrame ping:
                // Our own pings have our parity (server even, client odd); echo the peer's.
                if ((ping.Id % 2 == 0) != _isServer)
                {
                    await SendAsync(ping, cancellationToken);
                }

                return;
            default:
                return; // SETTINGS, WINDOW_UPDATE and unknown control frames need no action.
        }
    }

    /// <summary>Says GOAWAY (best effort) and closes the transport; open streams end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await SendAsync(new GoAwayFrame(_lastPeerStreamId, 0), timeout.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or System.Net.WebSockets.WebSocketException)
        {
            // The peer is gone already.
        }

        await _transport.DisposeAsync();
        _incoming.Writer.TryComplete();
        foreach (var stream in _streams.Values)
        {
            stream.RemoteClosed(reset: true);
        }

        _codec.Dispose();
        _writeLock.Dispose();
    }
}
