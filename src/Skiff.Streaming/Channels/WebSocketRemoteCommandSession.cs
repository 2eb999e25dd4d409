using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace Skiff.Streaming.Channels;

/// <summary>
/// The client end of an exec/attach WebSocket speaking the channel protocol (v5, or v4 without a way to end stdin
/// alone): stdin goes out on channel 0, resize events on 4, the end of stdin as the v5 close signal <c>[255, 0]</c>;
/// stdout (1), stderr (2) and the status (3) come back until the server closes. The API server uses it towards the
/// kubelet when kubectl itself speaks SPDY.
/// </summary>
public sealed class WebSocketRemoteCommandSession : IRemoteCommandSession
{
    private readonly WebSocket _socket;
    private readonly bool _v5;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private int _stdinClosed;

    public WebSocketRemoteCommandSession(WebSocket socket, string protocol)
    {
        _socket = socket;
        _v5 = protocol == StreamProtocols.ChannelV5;
    }

    public Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        Volatile.Read(ref _stdinClosed) != 0 ? Task.CompletedTask : SendAsync(ChannelFrame.Encode(StreamChannel.Stdin, data.Span), cancellationToken);

    public Task CloseStdinAsync(CancellationToken cancellationToken)
    {
        // v4 has no close signal: the process keeps its stdin until the session ends.
        if (Interlocked.Exchange(ref _stdinClosed, 1) != 0 || !_v5)
        {
            return Task.CompletedTask;
        }

        return SendAsync([StreamChannel.Close, StreamChannel.Stdin], cancellationToken);
    }

    public Task ResizeAsync(ReadOnlyMemory<byte> json, CancellationToken cancellationToken) =>
        SendAsync(ChannelFrame.Encode(StreamChannel.Resize, json.Span), cancellationToken);

    public async IAsyncEnumerable<RemoteCommandOutput> ReadOutputAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await ChannelFrame.ReceiveMessageAsync(_socket, cancellationToken) is { } message)
        {
            if (message.Type == WebSocketMessageType.Binary &&
                ChannelFrame.TryDecode(message.Data, out var channel, out var payload) &&
                channel is StreamChannel.Stdout or StreamChannel.Stderr or StreamChannel.Error &&
                (payload.Length > 0 || channel == StreamChannel.Error))
            {
                yield return new RemoteCommandOutput(channel, payload);
            }
        }
    }

    private async Task SendAsync(byte[] message, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.SendAsync(message, WebSocketMessageType.Binary, true, cancellationToken);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
            {
                // The kubelet is gone already.
            }
        }

        _socket.Dispose();
        _sendLock.Dispose();
    }
}
