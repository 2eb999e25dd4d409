using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace Skiff.Streaming.Tests;

/// <summary>Two ends of a real loopback TCP connection, and WebSockets over one.</summary>
internal static class Loopback
{
    public static async Task<(NetworkStream Client, NetworkStream Server)> StreamPairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient { NoDelay = true };
        var accept = listener.AcceptTcpClientAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = await accept;
        server.NoDelay = true;
        return (client.GetStream(), server.GetStream());
    }

    public static async Task<(WebSocket Client, WebSocket Server)> WebSocketPairAsync(string protocol)
    {
        var (client, server) = await StreamPairAsync();
        return (
            WebSocket.CreateFromStream(client, new WebSocketCreationOptions { IsServer = false, SubProtocol = protocol }),
            WebSocket.CreateFromStream(server, new WebSocketCreationOptions { IsServer = true, SubProtocol = protocol }));
    }
}
