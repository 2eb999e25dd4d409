using System.Text;
using Skiff.Streaming.Spdy;

namespace Skiff.Streaming.Tests;

public class SpdyConnectionTests
{
    [Fact]
    public async Task StreamsCarryDataBothWaysAndHalfCloseIndependently()
    {
        var (clientStream, serverStream) = await Loopback.StreamPairAsync();
        await using var client = new SpdyConnection(clientStream, isServer: false);
        await using var server = new SpdyConnection(serverStream, isServer: true);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var clientPump = client.RunAsync(cts.Token);
        var serverPump = server.RunAsync(cts.Token);

        var opened = await client.OpenStreamAsync([new("streamType", "data"), new("port", "80")], cts.Token);
        Assert.Equal(1u, opened.Id);
        var accepted = await server.IncomingStreams.ReadAsync(cts.Token);
        Assert.Equal("data", accepted.Header("streamtype"));
        Assert.Equal("80", accepted.Header("PORT"));
        await accepted.ReplyAsync(cts.Token);
        await opened.Replied;

        await opened.WriteAsync(Encoding.ASCII.GetBytes("ping"), cts.Token);
        await opened.CloseWriteAsync(cts.Token);
        Assert.Equal("ping", await ReadAllAsync(accepted, cts.Token));

        // The server can still answer after the client's FIN.
        var big = new byte[100_000];
        Random.Shared.NextBytes(big);
        await accepted.WriteAsync(big, cts.Token);
        await accepted.CloseWriteAsync(cts.Token);
        var received = new MemoryStream();
        while (await opened.ReadAsync(cts.Token) is { } chunk)
        {
            await received.WriteAsync(chunk, cts.Token);
        }

        Assert.Equal(big, received.ToArray());

        var second = await client.OpenStreamAsync([new("streamType", "error")], cts.Token);
        Assert.Equal(3u, second.Id);
        var secondAccepted = await server.IncomingStreams.ReadAsync(cts.Token);
        await secondAccepted.ResetAsync(RstStatus.RefusedStream, cts.Token);
        await Assert.ThrowsAsync<IOException>(() => second.Replied);
        Assert.Null(await second.ReadAsync(cts.Token));
        Assert.True(second.WasReset);

        await client.DisposeAsync();
        await serverPump;
        Assert.False(await server.IncomingStreams.WaitToReadAsync(cts.Token));
        await cts.CancelAsync();
        await Ignore(clientPump);
    }

    [Fact]
    public async Task PingsFromThePeerAreEchoedAndBadStreamIdsAreReset()
    {
        var (clientStream, serverStream) = await Loopback.StreamPairAsync();
        await using var server = new SpdyConnection(serverStream, isServer: true);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var pump = server.RunAsync(cts.Token);
        using var codec = new HeaderBlockCodec();
        var framer = new SpdyFramer(codec);

        await clientStream.WriteAsync(framer.Encode(new PingFrame(7)), cts.Token);
        Assert.Equal(new PingFrame(7), await framer.ReadAsync(clientStream, cts.Token));

        // An even id is the server's to use: a client must not open it.
        await clientStream.WriteAsync(framer.Encode(new SynStreamFrame(2, 0, 0, false, false, [new("a", "b")])), cts.Token);
        Assert.Equal(new RstStreamFrame(2, RstStatus.ProtocolError), await framer.ReadAsync(clientStream, cts.Token));

        await clientStream.DisposeAsync();
        await pump;
    }

    internal static async Task<string> ReadAllAsync(SpdyStream stream, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        while (await stream.ReadAsync(cancellationToken) is { } chunk)
        {
            text.Append(Encoding.UTF8.GetString(chunk.Span));
        }

        return text.ToString();
    }

    internal static async Task Ignore(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
        }
    }
}
