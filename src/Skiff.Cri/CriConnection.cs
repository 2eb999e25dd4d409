using System.Net.Sockets;
using Grpc.Net.Client;
using Skiff.Cri.V1;

namespace Skiff.Cri;

/// <summary>
/// One gRPC channel to a CRI runtime listening on a unix socket (containerd's <c>containerd.sock</c>), with the two
/// CRI v1 clients on it. Thread-safe; share one per runtime socket and dispose it when done.
/// </summary>
public sealed class CriConnection : IDisposable
{
    /// <summary>containerd's ExecSync/ListContainers answers can be large; the gRPC default of 4 MiB is not enough.</summary>
    public const int MaxMessageSize = 16 * 1024 * 1024;

    private readonly GrpcChannel channel;

    private CriConnection(string socketPath, GrpcChannel channel)
    {
        SocketPath = socketPath;
        this.channel = channel;
        Runtime = new RuntimeService.RuntimeServiceClient(channel);
        Images = new ImageService.ImageServiceClient(channel);
    }

    /// <summary>Path of the unix socket this connection talks to.</summary>
    public string SocketPath { get; }

    /// <summary>CRI RuntimeService (sandboxes, containers, exec, status).</summary>
    public RuntimeService.RuntimeServiceClient Runtime { get; }

    /// <summary>CRI ImageService (list, status, pull, remove).</summary>
    public ImageService.ImageServiceClient Images { get; }

    /// <summary>
    /// Opens a channel to <paramref name="socketPath"/>. Nothing is dialled until the first call; the channel
    /// reconnects on its own if the runtime restarts.
    /// </summary>
    public static CriConnection Open(string socketPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        var endpoint = new UnixDomainSocketEndPoint(socketPath);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        };

        // The authority is irrelevant over a unix socket; h2c ("http://") is what containerd speaks there.
        var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = MaxMessageSize,
            MaxSendMessageSize = MaxMessageSize,
        });
        return new CriConnection(socketPath, channel);
    }

    public void Dispose() => channel.Dispose();
}
