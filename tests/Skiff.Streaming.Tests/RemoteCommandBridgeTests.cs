using System.Net.WebSockets;
using System.Text;
using Skiff.Streaming.Channels;

namespace Skiff.Streaming.Tests;

public class RemoteCommandBridgeTests
{
    [Fact]
    public void ChannelFramesAreOneChannelBytePlusPayload()
    {
        Assert.Equal(new byte[] { 1, 0x68, 0x69 }, ChannelFrame.Encode(StreamChannel.Stdout, "hi"u8));
        Assert.True(ChannelFrame.TryDecode(new byte[] { 4, 0x7b }, out var channel, out var payload));
        Assert.Equal((StreamChannel.Resize, "{"), (channel, Encoding.ASCII.GetString(payload.Span)));
        Assert.False(ChannelFrame.TryDecode(Array.Empty<byte>(), out _, out _));
    }

    [Fact]
    public async Task V5ClientStdinResizeAndCloseReachTheRuntimeAndOutputAndStatusComeBack()
    {
        var (kubectl, server) = await Loopback.WebSocketPairAsync(StreamProtocols.ChannelV5);
        var session = new FakeRemoteCommandSession();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var bridge = RemoteCommandBridge.RunAsync(server, StreamProtocols.ChannelV5, session, cts.Token);

        await SendAsync(kubectl, StreamChannel.Resize, """{"Width":100,"Height":30}""" + "\n");
        await SendAsync(kubectl, StreamChannel.Stdin, "hello\n");
        await kubectl.SendAsync(new byte[] { StreamChannel.Close, StreamChannel.Stdin }, WebSocketMessageType.Binary, true, cts.Token);
        Assert.Equal("hello\n", await session.StdinClosed.Task.WaitAsync(cts.Token));
        Assert.Equal("""{"Width":100,"Height":30}""" + "\n", session.Resizes.Single());

        await session.Output.Writer.WriteAsync(new RemoteCommandOutput(StreamChannel.Stdout, "out\n"u8.ToArray()), cts.Token);
        await session.Output.Writer.WriteAsync(new RemoteCommandOutput(StreamChannel.Stderr, "err\n"u8.ToArray()), cts.Token);
        const string failure = """{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: exit code 7","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"7"}]}}""";
        await session.Output.Writer.WriteAsync(new RemoteCommandOutput(StreamChannel.Error, Encoding.UTF8.GetBytes(failure)), cts.Token);
        session.Output.Writer.Complete();

        var received = await ReceiveUntilCloseAsync(kubectl, cts.Token);
        Assert.Equal([(StreamChannel.Stdout, "out\n"), (StreamChannel.Stderr, "err\n"), (StreamChannel.Error, failure)], received);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, kubectl.CloseStatus);
        await bridge;
    }

    [Fact]
    public async Task AFinishedCommandWithoutStatusIsReportedAsSuccess()
    {
        var (kubectl, server) = await Loopback.WebSocketPairAsync(StreamProtocols.ChannelV5);
        var session = new FakeRemoteCommandSession();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var bridge = RemoteCommandBridge.RunAsync(server, StreamProtocols.ChannelV5, session, cts.Token);
        session.Output.Writer.Complete();

        var received = await ReceiveUntilCloseAsync(kubectl, cts.Token);
        Assert.Equal([(StreamChannel.Error, """{"metadata":{},"status":"Success"}""")], received);
        await bridge;
    }

    [Fact]
    public async Task V4ClientsCannotCloseStdinWithChannel255ButClosingTheSocketEndsStdin()
    {
        var (kubectl, server) = await Loopback.WebSocketPairAsync(StreamProtocols.ChannelV4);
        var session = new FakeRemoteCommandSession();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var bridge = RemoteCommandBridge.RunAsync(server, StreamProtocols.ChannelV4, session, cts.Token);

        await kubectl.SendAsync(new byte[] { StreamChannel.Close, StreamChannel.Stdin }, WebSocketMessageType.Binary, true, cts.Token);
        await SendAsync(kubectl, StreamChannel.Stdin, "after");
        await kubectl.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
        Assert.Equal("after", await session.StdinClosed.Task.WaitAsync(cts.Token));
        session.Output.Writer.Complete();
        await bridge;
    }

    private static Task SendAsync(WebSocket socket, byte channel, string text) =>
        socket.SendAsync(ChannelFrame.Encode(channel, Encoding.UTF8.GetBytes(text)), WebSocketMessageType.Binary, true, CancellationToken.None);

    private static async Task<List<(byte, string)>> ReceiveUntilCloseAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var result = new List<(byte, string)>();
        while (await ChannelFrame.ReceiveMessageAsync(socket, cancellationToken) is { } message)
        {
            Assert.True(ChannelFrame.TryDecode(message.Data, out var channel, out var payload));
            result.Add((channel, Encoding.UTF8.GetString(payload.Span)));
        }

        return result;
    }
}
