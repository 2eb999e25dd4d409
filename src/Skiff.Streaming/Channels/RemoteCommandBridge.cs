using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Skiff.Streaming.Channels;

/// <summary>
/// Bridges a client WebSocket speaking the channel protocol (v5 from kubectl 1.30+, or v4) to a runtime
/// <see cref="IRemoteCommandSession"/>: stdin (0) and resize (4) go in, stdout (1), stderr (2) and the status (3) come
/// out, and a v5 close signal for stdin (<c>[255, 0]</c>) ends the process's stdin. The client always gets a status
/// on channel 3 before the close frame: without one kubectl reports success whatever the exit code was.
/// </summary>
public static class RemoteCommandBridge
{
    public static readonly byte[] SuccessStatus = Encoding.UTF8.GetBytes("""{"metadata":{},"status":"Success"}""");

    /// <summary>A failure status kubectl prints as <c>error: message</c>.</summary>
    public static byte[] FailureStatus(string message, string reason = "InternalError", int code = 500) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["metadata"] = new Dictionary<string, object>(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        });

    public static async Task RunAsync(WebSocket client, string clientProtocol, IRemoteCommandSession session, CancellationToken cancellationToken)
    {
        var v5 = clientProtocol == StreamProtocols.ChannelV5;
        using var sendLock = new SemaphoreSlim(1, 1);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var input = PumpInputAsync(client, v5, session, linked.Token);
        var statusSent = false;
        try
        {
            await foreach (var output in session.ReadOutputAsync(linked.Token))
            {
                statusSent |= output.Channel == StreamChannel.Error;
                await SendAsync(client, sendLock, ChannelFrame.Encode(output.Channel, output.Data.Span), linked.Token);
            }

            if (!statusSent)
            {
                await SendAsync(client, sendLock, ChannelFrame.Encode(StreamChannel.Error, SuccessStatus), linked.Token);
            }

            await CloseAsync(client, linked.Token);
        }
        catch (Exception e) when (e is WebSocketException or IOException)
        {
            // One side went away; the other is torn down below.
        }
        finally
        {
            await linked.CancelAsync();
            try
            {
                await input;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static async Task PumpInputAsync(WebSocket client, bool v5, IRemoteCommandSession session, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var message = await ChannelFrame.ReceiveMessageAsync(client, cancellationToken);
                if (message is null)
                {
                    // The client hung up: what it sent so far is all the stdin there will be.
                    await session.CloseStdinAsync(cancellationToken);
                    return;
                }

                if (message.Type != WebSocketMessageType.Binary || !ChannelFrame.TryDecode(message.Data, out var channel, out var payload))
                {
                    continue;
                }

                switch (channel)
                {
                    case StreamChannel.Stdin when payload.Length > 0:
                        await session.WriteStdinAsync(payload, cancellationToken);
                        break;
                    case StreamChannel.Resize:
                        await session.ResizeAsync(payload, cancellationToken);
                        break;
                    case StreamChannel.Close when v5 && payload.Length > 0 && payload.Span[0] == StreamChannel.Stdin:
                        await session.CloseStdinAsync(cancellationToken);
                        break;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
        {
            // Ends with the session.
        }
    }

    private static async Task SendAsync(WebSocket socket, SemaphoreSlim sendLock, byte[] message, CancellationToken cancellationToken)
    {
        await sendLock.WaitAsync(cancellationToken);
        try
        {
            await socket.SendAsync(message, WebSocketMessageType.Binary, true, cancellationToken);
        }
        finally
        {
            sendLock.Release();
        }
    }

    private static async Task CloseAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, cancellationToken);
        }
    }
}
