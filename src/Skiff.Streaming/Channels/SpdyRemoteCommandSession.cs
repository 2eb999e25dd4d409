using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Skiff.Streaming.Spdy;

namespace Skiff.Streaming.Channels;

/// <summary>
/// An exec/attach session with a Kubernetes streaming server over SPDY/3.1 (protocol v4.channel.k8s.io): one SPDY
/// stream per channel, opened by us with header <c>streamType</c> = error, stdin, stdout, stderr, resize. SPDY is used
/// towards the runtime (not the WebSocket v4 protocol) because only SPDY can half-close stdin, which kubectl's v5
/// close signal, <c>exec -i</c> with piped input and <c>kubectl cp</c> need.
/// </summary>
public sealed class SpdyRemoteCommandSession : IRemoteCommandSession
{
    private readonly SpdyConnection _connection;
    private readonly Task _pump;
    private readonly SpdyStream _error;
    private readonly SpdyStream? _stdin;
    private readonly SpdyStream? _stdout;
    private readonly SpdyStream? _stderr;
    private readonly SpdyStream? _resize;
    private readonly CancellationTokenSource _stop;

    private SpdyRemoteCommandSession(SpdyConnection connection, CancellationTokenSource stop, Task pump, SpdyStream error, SpdyStream? stdin, SpdyStream? stdout, SpdyStream? stderr, SpdyStream? resize)
    {
        _connection = connection;
        _stop = stop;
        _pump = pump;
        _error = error;
        _stdin = stdin;
        _stdout = stdout;
        _stderr = stderr;
        _resize = resize;
    }

    /// <summary>Opens the streams the options ask for on an upgraded connection (not yet running) and waits for the server's replies.</summary>
    public static async Task<SpdyRemoteCommandSession> StartAsync(SpdyConnection connection, bool stdin, bool stdout, bool stderr, bool tty, CancellationToken cancellationToken)
    {
        var pumpStop = new CancellationTokenSource();
        var pump = connection.RunAsync(pumpStop.Token);
        try
        {
            var error = await OpenAsync(connection, "error", cancellationToken);
            var stdinStream = stdin ? await OpenAsync(connection, "stdin", cancellationToken) : null;
            var stdoutStream = stdout ? await OpenAsync(connection, "stdout", cancellationToken) : null;
            // With a tty, stderr is merged into stdout by the terminal.
            var stderrStream = stderr && !tty ? await OpenAsync(connection, "stderr", cancellationToken) : null;
            var resizeStream = tty ? await OpenAsync(connection, "resize", cancellationToken) : null;
            foreach (var s in new[] { error, stdinStream, stdoutStream, stderrStream, resizeStream })
            {
                if (s is not null)
                {
                    await s.Replied.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                }
            }

            return new SpdyRemoteCommandSession(connection, pumpStop, pump, error, stdinStream, stdoutStream, stderrStream, resizeStream);
        }
        catch
        {
            await pumpStop.CancelAsync();
            await connection.DisposeAsync();
            pumpStop.Dispose();
            throw;
        }
    }

    private static Task<SpdyStream> OpenAsync(SpdyConnection connection, string type, CancellationToken cancellationToken) =>
        connection.OpenStreamAsync([new(StreamProtocols.StreamTypeHeader, type)], cancellationToken);

    public Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        _stdin is null ? Task.CompletedTask : _stdin.WriteAsync(data, cancellationToken);

    public Task CloseStdinAsync(CancellationToken cancellationToken) =>
        _stdin is null ? Task.CompletedTask : _stdin.CloseWriteAsync(cancellationToken);

    public Task ResizeAsync(ReadOnlyMemory<byte> json, CancellationToken cancellationToken) =>
        _resize is null ? Task.CompletedTask : _resize.WriteAsync(json, cancellationToken);

    public async IAsyncEnumerable<RemoteCommandOutput> ReadOutputAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var merged = Channel.CreateUnbounded<RemoteCommandOutput>();
        async Task CopyAsync(SpdyStream? stream, byte channel)
        {
            if (stream is null)
            {
                return;
            }

            while (await stream.ReadAsync(cancellationToken) is { } chunk)
            {
                await merged.Writer.WriteAsync(new RemoteCommandOutput(channel, chunk), cancellationToken);
            }
        }

        var copies = Task.WhenAll(CopyAsync(_stdout, StreamChannel.Stdout), CopyAsync(_stderr, StreamChannel.Stderr));
        _ = copies.ContinueWith(_ => merged.Writer.TryComplete(), TaskScheduler.Default);
        await foreach (var item in merged.Reader.ReadAllAsync(cancellationToken))
        {
            yield return item;
        }

        // The status arrives on the error stream; the server ends it after the process exited.
        using var status = new MemoryStream();
        while (await _error.ReadAsync(cancellationToken) is { } chunk)
        {
            status.Write(chunk.Span);
        }

        if (status.Length > 0)
        {
            yield return new RemoteCommandOutput(StreamChannel.Error, status.ToArray());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _connection.DisposeAsync();
        try
        {
            await _pump;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
