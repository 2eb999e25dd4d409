using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Skiff.Cli.Streaming;

/// <summary>The result of a remote command: its exit code and the text kubectl prints on stderr for it.</summary>
public sealed record ExecOutcome(int ExitCode, string? Message);

/// <summary>
/// The client side of the <c>v5.channel.k8s.io</c> WebSocket protocol: every binary message is one channel byte
/// plus payload. 0 stdin (sent), 1 stdout, 2 stderr, 3 the final metav1.Status, 4 terminal resize (sent),
/// 255 close signal (sent as <c>[255, 0]</c> when stdin reaches its end).
/// </summary>
public static class ChannelExec
{
    public const string Protocol = "v5.channel.k8s.io";
    public const byte StdinChannel = 0;
    public const byte StdoutChannel = 1;
    public const byte StderrChannel = 2;
    public const byte ErrorChannel = 3;
    public const byte ResizeChannel = 4;
    public const byte CloseChannel = 255;

    public static async Task<ExecOutcome> RunAsync(WebSocket socket, TextReader? stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = stdin is null ? Task.CompletedTask : PumpStdinAsync(socket, stdin, stop.Token);
        JsonObject? status;
        try
        {
            status = await ReceiveAsync(socket, stdout, stderr, cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await pump;
            }
            catch (OperationCanceledException)
            {
            }
            catch (WebSocketException)
            {
            }
        }

        return Outcome(status);
    }

    /// <summary>Maps the channel-3 Status to kubectl's exit code and message (no Status at all counts as success).</summary>
    public static ExecOutcome Outcome(JsonObject? status)
    {
        if (status is null || (string?)status["status"] == "Success")
        {
            return new ExecOutcome(0, null);
        }

        if ((string?)status["reason"] == "NonZeroExitCode")
        {
            var exit = status["details"]?["causes"]?.AsArray()
                .FirstOrDefault(c => (string?)c?["reason"] == "ExitCode")?["message"];
            if (exit is not null && int.TryParse((string?)exit, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code))
            {
                return new ExecOutcome(code, $"command terminated with exit code {code}");
            }
        }

        return new ExecOutcome(1, "error: " + ((string?)status["message"] ?? "remote command failed"));
    }

    private static async Task<JsonObject?> ReceiveAsync(WebSocket socket, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        JsonObject? status = null;
        var outDecoder = Encoding.UTF8.GetDecoder();
        var errDecoder = Encoding.UTF8.GetDecoder();
        var buffer = new byte[32 * 1024];
        var message = new ArrayBufferWriter<byte>();
        while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            WebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(buffer, cancellationToken);
            }
            catch (WebSocketException) when (socket.State is not WebSocketState.Open)
            {
                break; // the server dropped the connection after its close frame
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (socket.State == WebSocketState.CloseReceived)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                }

                break;
            }

            message.Write(buffer.AsSpan(0, result.Count));
            if (!result.EndOfMessage)
            {
                continue;
            }

            var data = message.WrittenMemory;
            if (data.Length > 0)
            {
                var payload = data[1..];
                switch (data.Span[0])
                {
                    case StdoutChannel:
                        await WriteDecodedAsync(stdout, outDecoder, payload, cancellationToken);
                        break;
                    case StderrChannel:
                        await WriteDecodedAsync(stderr, errDecoder, payload, cancellationToken);
                        break;
                    case ErrorChannel when payload.Length > 0:
                        status = JsonNode.Parse(payload.Span) as JsonObject;
                        break;
                }
            }

            message.Clear();
        }

        return status;
    }

    private static async Task WriteDecodedAsync(TextWriter writer, Decoder decoder, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var chars = new char[Encoding.UTF8.GetMaxCharCount(payload.Length)];
        var count = decoder.GetChars(payload.Span, chars, flush: false);
        await writer.WriteAsync(chars.AsMemory(0, count), cancellationToken);
        await writer.FlushAsync(cancellationToken);
    }

    private static async Task PumpStdinAsync(WebSocket socket, TextReader stdin, CancellationToken cancellationToken)
    {
        var chars = new char[8192];
        int read;
        while ((read = await stdin.ReadAsync(chars.AsMemory(), cancellationToken)) > 0)
        {
            var bytes = Encoding.UTF8.GetBytes(chars, 0, read);
            var frame = new byte[bytes.Length + 1];
            frame[0] = StdinChannel;
            bytes.CopyTo(frame, 1);
            await socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
        }

        await socket.SendAsync(new byte[] { CloseChannel, StdinChannel }, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
    }

    /// <summary>The resize message sent on channel 4: <c>{"Width":W,"Height":H}</c>.</summary>
    public static byte[] ResizeFrame(int width, int height)
    {
        var json = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"Width\":{width},\"Height\":{height}}}\n"));
        var frame = new byte[json.Length + 1];
        frame[0] = ResizeChannel;
        json.CopyTo(frame, 1);
        return frame;
    }
}
