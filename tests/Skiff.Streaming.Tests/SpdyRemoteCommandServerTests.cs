using System.Net.WebSockets;
using System.Text;
using Skiff.Streaming.Channels;
using Skiff.Streaming.Spdy;

namespace Skiff.Streaming.Tests;

/// <summary>
/// kubectl's SPDY exec path as the API server serves it: a SPDY client (standing in for kubectl) → the SPDY server →
/// a v5 WebSocket session → the WebSocket bridge the kubelet runs → the runtime's session.
/// </summary>
public class SpdyRemoteCommandServerTests
{
    [Fact]
    public void NegotiationAnswersV4ToClientsOfferingV4OrV5()
    {
        Assert.Equal(StreamProtocols.ChannelV4, SpdyRemoteCommandServer.Negotiate(["v5.channel.k8s.io, v4.channel.k8s.io, v3.channel.k8s.io, v2.channel.k8s.io, channel.k8s.io"]));
        Assert.Equal(StreamProtocols.ChannelV4, SpdyRemoteCommandServer.Negotiate(["v3.channel.k8s.io", "v4.channel.k8s.io"]));
        Assert.Null(SpdyRemoteCommandServer.Negotiate(["v2.channel.k8s.io, channel.k8s.io"]));
        Assert.Null(SpdyRemoteCommandServer.Negotiate([]));
    }

    [Fact]
    public async Task StdinItsEndAndResizesGoInOutputAndTheStatusComeBackInOrder()
    {
        await using var chain = await Chain.StartAsync(new RemoteCommandOptions(Stdin: true, Stdout: true, Stderr: true, Tty: false));
        var client = chain.Client;
        var error = await client.OpenAsync("error");
        var stdin = await client.OpenAsync("stdin");
        var stdout = await client.OpenAsync("stdout");
        var stderr = await client.OpenAsync("stderr");

        await stdin.WriteAsync("hello\n"u8.ToArray(), chain.Token);
        await stdin.CloseWriteAsync(chain.Token);
        Assert.Equal("hello\n", await chain.Runtime.StdinClosed.Task.WaitAsync(chain.Token));

        await chain.Runtime.Output.Writer.WriteAsync(new RemoteCommandOutput(StreamChannel.Stdout, "out\n"u8.ToArray()), chain.Token);
        await chain.Runtime.Output.Writer.WriteAsync(new RemoteCommandOutput(StreamChannel.Stderr, "err\n"u8.ToArray()), chain.Token);
        const string failure = """{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: exit status 7","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"7"}]}}""";
        await chain.Runtime.Output.Writer.WriteAsync(new RemoteCommandOutput(StreamChannel.Error, Encoding.UTF8.GetBytes(failure)), chain.Token);
        chain.Runtime.Output.Writer.Complete();

        Assert.Equal("out\n", await ReadAllAsync(stdout, chain.Token));
        Assert.Equal("err\n", await ReadAllAsync(stderr, chain.Token));
        Assert.Equal(failure, await ReadAllAsync(error, chain.Token));
        await chain.Server.WaitAsync(chain.Token);
    }

    [Fact]
    public async Task WithATtyTheResizeStreamCarriesTerminalSizesAndSuccessIsReported()
    {
        await using var chain = await Chain.StartAsync(new RemoteCommandOptions(Stdin: true, Stdout: true, Stderr: false, Tty: true));
        var client = chain.Client;
        var error = await client.OpenAsync("error");
        var stdin = await client.OpenAsync("stdin");
        var stdout = await client.OpenAsync("stdout");
        var resize = await client.OpenAsync("resize");

        await resize.WriteAsync(Encoding.ASCII.GetBytes("""{"Width":100,"Height":30}""" + "\n"), chain.Token);
        await stdin.WriteAsync("ls\r"u8.ToArray(), chain.Token);
        await stdin.CloseWriteAsync(chain.Token);
        Assert.Equal("ls\r", await chain.Runtime.StdinClosed.Task.WaitAsync(chain.Token));
        // The resize and stdin streams are independent: stdin's end may be seen before the resize frame is handled.
        for (var deadline = DateTime.UtcNow.AddSeconds(10); chain.Runtime.Resizes.Count == 0 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(20, chain.Token);
        }

        Assert.Equal("""{"Width":100,"Height":30}""" + "\n", chain.Runtime.Resizes.Single());

        chain.Runtime.Output.Writer.Complete();
        Assert.Equal(string.Empty, await ReadAllAsync(stdout, chain.Token));
        Assert.Equal("""{"metadata":{},"status":"Success"}""", await ReadAllAsync(error, chain.Token));
        await chain.Server.WaitAsync(chain.Token);
    }

    [Fact]
    public async Task AClientThatNeverOpensItsStreamsIsDroppedAfterTheWait()
    {
        // The wait must outlast opening the one stream the client does open (a 200 ms wait lost that race in a CI run
        // on a busy machine: the server reset the error stream before replying to it).
        await using var chain = await Chain.StartAsync(new RemoteCommandOptions(Stdin: false, Stdout: true, Stderr: false, Tty: false), streamWait: TimeSpan.FromSeconds(2));
        await chain.Client.OpenAsync("error");
        await chain.Server.WaitAsync(chain.Token);
    }

    private static async Task<string> ReadAllAsync(SpdyStream stream, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        while (await stream.ReadAsync(cancellationToken) is { } chunk)
        {
            text.Append(Encoding.UTF8.GetString(chunk.Span));
        }

        return text.ToString();
    }

    /// <summary>The whole chain over real loopback sockets.</summary>
    private sealed class Chain : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(20));
        private readonly List<Task> _background = [];

        public required ClientEnd Client { get; init; }

        public required FakeRemoteCommandSession Runtime { get; init; }

        public Task Server { get; private set; } = Task.CompletedTask;

        public CancellationToken Token => _cts.Token;

        public static async Task<Chain> StartAsync(RemoteCommandOptions options, TimeSpan? streamWait = null)
        {
            var (clientStream, serverStream) = await Loopback.StreamPairAsync();
            var (kubeletClient, kubeletServer) = await Loopback.WebSocketPairAsync(StreamProtocols.ChannelV5);
            var client = new SpdyConnection(clientStream, isServer: false);
            var chain = new Chain { Client = new ClientEnd(client), Runtime = new FakeRemoteCommandSession() };
            var session = new WebSocketRemoteCommandSession(kubeletClient, StreamProtocols.ChannelV5);
            chain._background.Add(client.RunAsync(chain.Token));
            chain._background.Add(RemoteCommandBridge.RunAsync(kubeletServer, StreamProtocols.ChannelV5, chain.Runtime, chain.Token));
            chain.Server = RunServerAsync(new SpdyConnection(serverStream, isServer: true), options, session, streamWait ?? TimeSpan.FromSeconds(10), chain.Token);
            chain.Client.Token = chain.Token;
            return chain;
        }

        private static async Task RunServerAsync(SpdyConnection connection, RemoteCommandOptions options, WebSocketRemoteCommandSession session, TimeSpan streamWait, CancellationToken cancellationToken)
        {
            await using (session)
            {
                await SpdyRemoteCommandServer.RunAsync(connection, options, session, streamWait, cancellationToken);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Client.Connection.DisposeAsync();
            await _cts.CancelAsync();
            foreach (var task in _background.Append(Server))
            {
                try
                {
                    await task;
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or WebSocketException)
                {
                }
            }

            _cts.Dispose();
        }
    }

    private sealed class ClientEnd(SpdyConnection connection)
    {
        public SpdyConnection Connection { get; } = connection;

        public CancellationToken Token { get; set; }

        /// <summary>Opens a stream as kubectl does (header streamType) and waits for the server's reply.</summary>
        public async Task<SpdyStream> OpenAsync(string type)
        {
            var stream = await Connection.OpenStreamAsync([new(StreamProtocols.StreamTypeHeader, type)], Token);
            await stream.Replied.WaitAsync(Token);
            return stream;
        }
    }
}
