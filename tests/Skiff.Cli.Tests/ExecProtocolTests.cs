using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Skiff.Cli.Streaming;

namespace Skiff.Cli.Tests;

/// <summary>The v5.channel.k8s.io client against a scripted server end over a real loopback TCP connection.</summary>
public sealed class ExecProtocolTests
{
    private static async Task<(WebSocket Client, WebSocket Server, IDisposable Cleanup)> PairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = await listener.AcceptTcpClientAsync();
        var clientSocket = WebSocket.CreateFromStream(client.GetStream(), new WebSocketCreationOptions { IsServer = false, SubProtocol = ChannelExec.Protocol });
        var serverSocket = WebSocket.CreateFromStream(server.GetStream(), new WebSocketCreationOptions { IsServer = true, SubProtocol = ChannelExec.Protocol });
        return (clientSocket, serverSocket, new Cleanup(client, server));
    }

    private sealed class Cleanup(TcpClient a, TcpClient b) : IDisposable
    {
        public void Dispose()
        {
            a.Dispose();
            b.Dispose();
        }
    }

    private static Task SendAsync(WebSocket socket, byte channel, string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var frame = new byte[payload.Length + 1];
        frame[0] = channel;
        payload.CopyTo(frame, 1);
        return socket.SendAsync(frame, WebSocketMessageType.Binary, true, CancellationToken.None);
    }

    [Fact]
    public async Task Stdout_stderr_and_the_exit_code_come_from_their_channels_and_stdin_ends_with_the_close_signal()
    {
        var (client, server, cleanup) = await PairAsync();
        using (cleanup)
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var run = ChannelExec.RunAsync(client, new StringReader("hello"), stdout, stderr, CancellationToken.None);

            var buffer = new byte[1024];
            var first = await server.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal(new byte[] { 0, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' }, buffer[..first.Count]);
            var close = await server.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal(new byte[] { 255, 0 }, buffer[..close.Count]);

            await SendAsync(server, 1, "out ");
            await SendAsync(server, 1, "put\n");
            await SendAsync(server, 2, "oops\n");
            await SendAsync(server, 3, """{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}""");
            await server.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);

            var outcome = await run;
            Assert.Equal(new ExecOutcome(3, "command terminated with exit code 3"), outcome);
            Assert.Equal("out put\n", stdout.ToString());
            Assert.Equal("oops\n", stderr.ToString());
        }
    }

    [Fact]
    public void Status_maps_to_exit_codes_like_kubectl()
    {
        Assert.Equal(new ExecOutcome(0, null), ChannelExec.Outcome(null));
        Assert.Equal(new ExecOutcome(0, null), ChannelExec.Outcome(JsonNode.Parse("""{"status":"Success"}""")!.AsObject()));
        Assert.Equal(new ExecOutcome(1, "error: container not found"), ChannelExec.Outcome(JsonNode.Parse("""{"status":"Failure","message":"container not found"}""")!.AsObject()));
    }

    [Fact]
    public void Resize_frame_is_channel_four_json()
    {
        Assert.Equal("\u0004{\"Width\":100,\"Height\":30}\n", Encoding.UTF8.GetString(ChannelExec.ResizeFrame(100, 30)));
    }
}
