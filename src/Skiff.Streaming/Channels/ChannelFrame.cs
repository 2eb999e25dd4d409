using System.Buffers;
using System.Net.WebSockets;

namespace Skiff.Streaming.Channels;

/// <summary>The channel protocol's framing: every binary WebSocket message is one channel byte followed by the payload.</summary>
public static class ChannelFrame
{
    public static byte[] Encode(byte channel, ReadOnlySpan<byte> payload)
    {
        var message = new byte[payload.Length + 1];
        message[0] = channel;
        payload.CopyTo(message.AsSpan(1));
        return message;
    }

    /// <summary>Splits a message; false for an empty message (no channel byte).</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> message, out byte channel, out ReadOnlyMemory<byte> payload)
    {
        if (message.IsEmpty)
        {
            channel = 0;
            payload = default;
            return false;
        }

        channel = message.Span[0];
        payload = message[1..];
        return true;
    }

    /// <summary>Reads one whole WebSocket message; null when the peer sent a close frame or the socket ended.</summary>
    public static async Task<WebSocketMessage?> ReceiveMessageAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var message = new MemoryStream();
            while (true)
            {
                ValueWebSocketReceiveResult result;
                try
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                }
                catch (WebSocketException)
                {
                    return null;
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                await message.WriteAsync(buffer.AsMemory(0, result.Count), cancellationToken);
                if (result.EndOfMessage)
                {
                    return new WebSocketMessage(result.MessageType, message.ToArray());
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

public sealed record WebSocketMessage(WebSocketMessageType Type, byte[] Data);
