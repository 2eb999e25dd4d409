using System.Buffers;
using System.Net.WebSockets;

namespace Skiff.ApiServer.Proxy;

/// <summary>Copies WebSocket messages (binary or text, whole) between two sockets, and the close handshake.</summary>
public static class WebSocketRelay
{
    /// <summary>Relays both ways until both directions have closed (or one side broke).</summary>
    public static async Task RunAsync(WebSocket a, WebSocket b, CancellationToken cancellationToken)
    {
        using var broken = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var forward = PumpAsync(a, b, broken);
        var backward = PumpAsync(b, a, broken);
        await Task.WhenAll(forward, backward);
    }

    private static async Task PumpAsync(WebSocket from, WebSocket to, CancellationTokenSource broken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(32 * 1024);
        try
        {
            while (true)
            {
                var result = await from.ReceiveAsync(buffer.AsMemory(), broken.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (to.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        await to.CloseOutputAsync(from.CloseStatus ?? WebSocketCloseStatus.NormalClosure, from.CloseStatusDescription, broken.Token);
                    }

                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, broken.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // One side is gone: stop the other direction too.
            await broken.CancelAsync();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
