using System.Globalization;
using System.Text;
using Skiff.Streaming.Channels;
using Skiff.Streaming.Spdy;

namespace Skiff.Streaming.PortForward;

/// <summary>
/// Serves the port-forward protocol (portforward.k8s.io) to a client SPDY connection and relays every forwarded
/// connection to the runtime's streaming server over a second SPDY connection. For each local connection kubectl opens
/// two streams with the same <c>requestID</c> and <c>port</c>: <c>streamType: error</c> (the server writes a message
/// there when the pod port cannot be reached) and <c>streamType: data</c> (the bytes). Half-closes (FIN) are relayed
/// in both directions, so an HTTP/1.0 client or a <c>nc -q</c> style exchange ends cleanly.
/// </summary>
public sealed class PortForwardBridge
{
    private readonly SpdyConnection _client;
    private readonly Func<CancellationToken, Task<SpdyConnection>> _openRuntime;
    private readonly SemaphoreSlim _runtimeLock = new(1, 1);
    private readonly Dictionary<string, PendingPair> _pending = new(StringComparer.Ordinal);
    private readonly List<Task> _work = [];
    private SpdyConnection? _runtime;
    private Task? _runtimePump;
    private int _nextRuntimeRequest;

    /// <param name="client">The connection facing kubectl (server role, not yet running).</param>
    /// <param name="openRuntime">Upgrades a connection to the runtime's port-forward URL (client role, not yet running); called once, at the first forwarded connection.</param>
    public PortForwardBridge(SpdyConnection client, Func<CancellationToken, Task<SpdyConnection>> openRuntime)
    {
        _client = client;
        _openRuntime = openRuntime;
    }

    /// <summary>Runs until kubectl disconnects; then closes the runtime connection.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clientPump = _client.RunAsync(stop.Token);
        try
        {
            await foreach (var stream in _client.IncomingStreams.ReadAllAsync(stop.Token))
            {
                await stream.ReplyAsync(stop.Token);
                var pair = Accept(stream);
                if (pair is not null)
                {
                    _work.Add(ForwardAsync(pair, stop.Token));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(_work.Select(IgnoreFailuresAsync));
            await IgnoreFailuresAsync(clientPump);
            if (_runtime is not null)
            {
                await _runtime.DisposeAsync();
                await IgnoreFailuresAsync(_runtimePump!);
            }

            await _client.DisposeAsync();
            _runtimeLock.Dispose();
        }
    }

    private PendingPair? Accept(SpdyStream stream)
    {
        var requestId = stream.Header(StreamProtocols.RequestIdHeader) ?? string.Empty;
        if (!_pending.TryGetValue(requestId, out var pair))
        {
            pair = new PendingPair(requestId, stream.Header(StreamProtocols.PortHeader));
            _pending[requestId] = pair;
        }

        switch (stream.Header(StreamProtocols.StreamTypeHeader))
        {
            case "error":
                pair.Error = stream;
                break;
            case "data":
                pair.Data = stream;
                break;
            default:
                _work.Add(stream.ResetAsync(RstStatus.ProtocolError, CancellationToken.None));
                return null;
        }

        if (pair.Error is null || pair.Data is null)
        {
            return null;
        }

        _pending.Remove(requestId);
        return pair;
    }

    private async Task ForwardAsync(PendingPair pair, CancellationToken cancellationToken)
    {
        var clientError = pair.Error!;
        var clientData = pair.Data!;
        if (!ushort.TryParse(pair.Port, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port == 0)
        {
            await FailAsync(clientError, clientData, $"invalid port \"{pair.Port}\"", cancellationToken);
            return;
        }

        SpdyStream runtimeError;
        SpdyStream runtimeData;
        try
        {
            var runtime = await RuntimeAsync(cancellationToken);
            var requestId = Interlocked.Increment(ref _nextRuntimeRequest).ToString(CultureInfo.InvariantCulture);
            runtimeError = await runtime.OpenStreamAsync(Headers("error", port, requestId), cancellationToken);
            runtimeData = await runtime.OpenStreamAsync(Headers("data", port, requestId), cancellationToken);
            await runtimeError.Replied.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            await runtimeData.Replied.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            await runtimeError.CloseWriteAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await FailAsync(clientError, clientData, $"error forwarding port {port}: {e.Message}", cancellationToken);
            return;
        }

        await Task.WhenAll(
            CopyAsync(clientData, runtimeData, cancellationToken),
            CopyAsync(runtimeData, clientData, cancellationToken),
            CopyAsync(runtimeError, clientError, cancellationToken));
    }

    private static IReadOnlyList<KeyValuePair<string, string>> Headers(string type, ushort port, string requestId) =>
    [
        new(StreamProtocols.StreamTypeHeader, type),
        new(StreamProtocols.PortHeader, port.ToString(CultureInfo.InvariantCulture)),
        new(StreamProtocols.RequestIdHeader, requestId),
    ];

    private async Task<SpdyConnection> RuntimeAsync(CancellationToken cancellationToken)
    {
        await _runtimeLock.WaitAsync(cancellationToken);
        try
        {
            if (_runtime is null)
            {
                _runtime = await _openRuntime(cancellationToken);
                _runtimePump = _runtime.RunAsync(cancellationToken);
            }

            return _runtime;
        }
        finally
        {
            _runtimeLock.Release();
        }
    }

    /// <summary>Copies data until the source half-closes, then half-closes the target.</summary>
    private static async Task CopyAsync(SpdyStream from, SpdyStream to, CancellationToken cancellationToken)
    {
        try
        {
            while (await from.ReadAsync(cancellationToken) is { } chunk)
            {
                await to.WriteAsync(chunk, cancellationToken);
            }

            if (from.WasReset)
            {
                await to.ResetAsync(RstStatus.Cancel, cancellationToken);
            }
            else
            {
                await to.CloseWriteAsync(cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static async Task FailAsync(SpdyStream error, SpdyStream data, string message, CancellationToken cancellationToken)
    {
        try
        {
            await error.WriteAsync(Encoding.UTF8.GetBytes(message), cancellationToken);
            await error.CloseWriteAsync(cancellationToken);
            await data.CloseWriteAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static async Task IgnoreFailuresAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private sealed class PendingPair(string requestId, string? port)
    {
        public string RequestId { get; } = requestId;

        public string? Port { get; } = port;

        public SpdyStream? Error { get; set; }

        public SpdyStream? Data { get; set; }
    }
}
