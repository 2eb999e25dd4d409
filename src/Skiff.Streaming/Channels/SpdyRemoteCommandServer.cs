using Skiff.Streaming.Spdy;

namespace Skiff.Streaming.Channels;

/// <summary>
/// Serves exec/attach to a client that upgraded to SPDY/3.1 (kubectl's fallback, or
/// <c>KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false</c>) with protocol v4.channel.k8s.io: the client opens one stream per
/// channel (header <c>streamType</c> = error, stdin, stdout, stderr, resize), each is answered at once, and then
/// the streams are bridged to an <see cref="IRemoteCommandSession"/>. stdin's FIN ends the process's stdin; output
/// streams are half-closed when the command ended, and the status is written to the error stream last.
/// </summary>
public static class SpdyRemoteCommandServer
{
    /// <summary>The protocol answered in <c>X-Stream-Protocol-Version</c> (v5 differs from v4 only on WebSockets).</summary>
    public const string Protocol = StreamProtocols.ChannelV4;

    /// <summary>Picks the version to answer from the client's <c>X-Stream-Protocol-Version</c> values; null when none fits.</summary>
    public static string? Negotiate(IEnumerable<string?> offered) =>
        offered.Where(v => v is not null)
            .SelectMany(v => v!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Any(p => p is StreamProtocols.ChannelV4 or StreamProtocols.ChannelV5) ? Protocol : null;

    /// <summary>
    /// Runs the session on <paramref name="connection"/> (server role, not yet running) until the command ended and
    /// everything was delivered, or the client went away; disposes the connection.
    /// </summary>
    public static async Task RunAsync(SpdyConnection connection, RemoteCommandOptions options, IRemoteCommandSession session, TimeSpan streamWait, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(session);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = connection.RunAsync(stop.Token);
        try
        {
            var streams = await AcceptStreamsAsync(connection, options, streamWait, stop.Token);
            if (streams is null)
            {
                return;
            }

            var input = Task.WhenAll(
                CopyStdinAsync(streams.Stdin, session, stop.Token),
                CopyResizeAsync(streams.Resize, session, stop.Token));
            await CopyOutputAsync(streams, session, stop.Token);
            await stop.CancelAsync();
            await IgnoreEndAsync(input);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or TimeoutException)
        {
            // The client or the backend went away.
        }
        finally
        {
            await stop.CancelAsync();
            await connection.DisposeAsync();
            await IgnoreEndAsync(pump);
        }
    }

    private static async Task<StreamSet?> AcceptStreamsAsync(SpdyConnection connection, RemoteCommandOptions options, TimeSpan streamWait, CancellationToken cancellationToken)
    {
        var set = new StreamSet();
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(streamWait);
        try
        {
            while (!set.IsComplete(options))
            {
                if (!await connection.IncomingStreams.WaitToReadAsync(wait.Token))
                {
                    return null;
                }

                while (connection.IncomingStreams.TryRead(out var stream))
                {
                    await stream.ReplyAsync(wait.Token);
                    switch (stream.Header(StreamProtocols.StreamTypeHeader))
                    {
                        case "error":
                            set.Error = stream;
                            break;
                        case "stdin":
                            set.Stdin = stream;
                            break;
                        case "stdout":
                            set.Stdout = stream;
                            break;
                        case "stderr":
                            set.Stderr = stream;
                            break;
                        case "resize":
                            set.Resize = stream;
                            break;
                        default:
                            await stream.ResetAsync(RstStatus.ProtocolError, wait.Token);
                            break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The client did not open the streams it asked for in time (kubelet's streamCreationTimeout).
            return null;
        }

        return set;
    }

    private static async Task CopyStdinAsync(SpdyStream? stdin, IRemoteCommandSession session, CancellationToken cancellationToken)
    {
        if (stdin is null)
        {
            return;
        }

        while (await stdin.ReadAsync(cancellationToken) is { } chunk)
        {
            await session.WriteStdinAsync(chunk, cancellationToken);
        }

        await session.CloseStdinAsync(cancellationToken);
    }

    private static async Task CopyResizeAsync(SpdyStream? resize, IRemoteCommandSession session, CancellationToken cancellationToken)
    {
        if (resize is null)
        {
            return;
        }

        while (await resize.ReadAsync(cancellationToken) is { } chunk)
        {
            await session.ResizeAsync(chunk, cancellationToken);
        }
    }

    private static async Task CopyOutputAsync(StreamSet streams, IRemoteCommandSession session, CancellationToken cancellationToken)
    {
        var status = (ReadOnlyMemory<byte>?)null;
        await foreach (var output in session.ReadOutputAsync(cancellationToken))
        {
            switch (output.Channel)
            {
                case StreamChannel.Stdout when streams.Stdout is not null:
                    await streams.Stdout.WriteAsync(output.Data, cancellationToken);
                    break;
                case StreamChannel.Stderr when streams.Stderr is not null:
                    await streams.Stderr.WriteAsync(output.Data, cancellationToken);
                    break;
                case StreamChannel.Error:
                    status = output.Data;
                    break;
            }
        }

        // The client finishes when stdout and stderr ended, then reports what the error stream carried.
        foreach (var stream in new[] { streams.Stdout, streams.Stderr })
        {
            if (stream is not null)
            {
                await stream.CloseWriteAsync(cancellationToken);
            }
        }

        // No status means the backend vanished mid-command: say so instead of reporting success.
        var message = status ?? RemoteCommandBridge.FailureStatus("error executing remote command: the stream ended without a status");
        await streams.Error!.WriteAsync(message, cancellationToken);
        await streams.Error.CloseWriteAsync(cancellationToken);
    }

    private static async Task IgnoreEndAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or System.Net.WebSockets.WebSocketException)
        {
        }
    }

    private sealed class StreamSet
    {
        public SpdyStream? Error { get; set; }
        public SpdyStream? Stdin { get; set; }
        public SpdyStream? Stdout { get; set; }
        public SpdyStream? Stderr { get; set; }
        public SpdyStream? Resize { get; set; }

        public bool IsComplete(RemoteCommandOptions options) =>
            Error is not null &&
            (!options.Stdin || Stdin is not null) &&
            (!options.Stdout || Stdout is not null) &&
            (!options.Stderr || options.Tty || Stderr is not null) &&
            (!options.Tty || Resize is not null);
    }
}

/// <summary>Which streams an exec/attach asked for (its <c>stdin</c>, <c>stdout</c>, <c>stderr</c> and <c>tty</c> query flags).</summary>
public sealed record RemoteCommandOptions(bool Stdin, bool Stdout, bool Stderr, bool Tty);
