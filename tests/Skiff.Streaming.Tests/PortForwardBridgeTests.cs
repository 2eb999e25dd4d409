using System.Text;
using Skiff.Streaming.PortForward;
using Skiff.Streaming.Spdy;

namespace Skiff.Streaming.Tests;

public class PortForwardBridgeTests
{
    [Fact]
    public async Task EachKubectlConnectionBecomesAPairOfRuntimeStreamsWithHalfClosesRelayed()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (kubectlEnd, bridgeEnd) = await Loopback.StreamPairAsync();
        await using var kubectl = new SpdyConnection(kubectlEnd, isServer: false);
        var runtimeOpened = 0;
        var runtime = new FakeRuntime();
        var bridge = new PortForwardBridge(new SpdyConnection(bridgeEnd, isServer: true), async ct =>
        {
            Interlocked.Increment(ref runtimeOpened);
            return await runtime.ConnectAsync(ct);
        });
        var bridgeTask = bridge.RunAsync(cts.Token);
        var kubectlPump = kubectl.RunAsync(cts.Token);

        for (var request = 0; request < 3; request++)
        {
            var id = request.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var error = await kubectl.OpenStreamAsync([new("streamType", "error"), new("port", "8080"), new("requestID", id)], cts.Token);
            var data = await kubectl.OpenStreamAsync([new("streamType", "data"), new("port", "8080"), new("requestID", id)], cts.Token);
            await error.Replied.WaitAsync(cts.Token);
            await data.Replied.WaitAsync(cts.Token);
            await error.CloseWriteAsync(cts.Token);

            await data.WriteAsync(Encoding.ASCII.GetBytes($"GET /{request}"), cts.Token);
            await data.CloseWriteAsync(cts.Token);
            Assert.Equal($"8080 says: GET /{request}", await SpdyConnectionTests.ReadAllAsync(data, cts.Token));
            Assert.Equal(string.Empty, await SpdyConnectionTests.ReadAllAsync(error, cts.Token));
        }

        Assert.Equal(1, runtimeOpened);
        await kubectl.DisposeAsync();
        await bridgeTask;
        await SpdyConnectionTests.Ignore(kubectlPump);
        await runtime.DisposeAsync();
    }

    [Fact]
    public async Task RuntimeErrorsAndBadPortsReachTheErrorStream()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (kubectlEnd, bridgeEnd) = await Loopback.StreamPairAsync();
        await using var kubectl = new SpdyConnection(kubectlEnd, isServer: false);
        var runtime = new FakeRuntime();
        var bridge = new PortForwardBridge(new SpdyConnection(bridgeEnd, isServer: true), runtime.ConnectAsync);
        var bridgeTask = bridge.RunAsync(cts.Token);
        var kubectlPump = kubectl.RunAsync(cts.Token);

        var error = await kubectl.OpenStreamAsync([new("streamType", "error"), new("port", "9"), new("requestID", "0")], cts.Token);
        var data = await kubectl.OpenStreamAsync([new("streamType", "data"), new("port", "9"), new("requestID", "0")], cts.Token);
        Assert.Equal("failed to connect to localhost:9 inside the pod: connection refused", await SpdyConnectionTests.ReadAllAsync(error, cts.Token));

        var badError = await kubectl.OpenStreamAsync([new("streamType", "error"), new("port", "http"), new("requestID", "1")], cts.Token);
        await kubectl.OpenStreamAsync([new("streamType", "data"), new("port", "http"), new("requestID", "1")], cts.Token);
        Assert.Equal("invalid port \"http\"", await SpdyConnectionTests.ReadAllAsync(badError, cts.Token));
        _ = data;

        await kubectl.DisposeAsync();
        await bridgeTask;
        await SpdyConnectionTests.Ignore(kubectlPump);
        await runtime.DisposeAsync();
    }

    /// <summary>A streaming server like containerd's: echoes data prefixed with the port; port 9 is refused.</summary>
    private sealed class FakeRuntime : IAsyncDisposable
    {
        private readonly List<Task> _tasks = [];
        private readonly List<SpdyConnection> _servers = [];

        public async Task<SpdyConnection> ConnectAsync(CancellationToken cancellationToken)
        {
            var (client, server) = await Loopback.StreamPairAsync();
            var connection = new SpdyConnection(server, isServer: true);
            _servers.Add(connection);
            _tasks.Add(connection.RunAsync(CancellationToken.None));
            _tasks.Add(ServeAsync(connection));
            return new SpdyConnection(client, isServer: false);
        }

        private static async Task ServeAsync(SpdyConnection connection)
        {
            var errors = new Dictionary<string, SpdyStream>();
            await foreach (var stream in connection.IncomingStreams.ReadAllAsync())
            {
                await stream.ReplyAsync(CancellationToken.None);
                var id = stream.Header("requestid")!;
                if (stream.Header("streamtype") == "error")
                {
                    errors[id] = stream;
                    continue;
                }

                var port = stream.Header("port")!;
                var error = errors[id];
                if (port == "9")
                {
                    await error.WriteAsync(Encoding.ASCII.GetBytes("failed to connect to localhost:9 inside the pod: connection refused"), CancellationToken.None);
                    await error.CloseWriteAsync(CancellationToken.None);
                    await stream.CloseWriteAsync(CancellationToken.None);
                    continue;
                }

                var request = await SpdyConnectionTests.ReadAllAsync(stream, CancellationToken.None);
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{port} says: {request}"), CancellationToken.None);
                await stream.CloseWriteAsync(CancellationToken.None);
                await error.CloseWriteAsync(CancellationToken.None);
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var server in _servers)
            {
                await server.DisposeAsync();
            }

            await Task.WhenAll(_tasks);
        }
    }
}
