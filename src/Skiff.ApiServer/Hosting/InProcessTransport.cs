using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace Skiff.ApiServer.Hosting;

/// <summary>
/// Kestrel's connections for the components <c>skiff server</c> runs in its own process (scheduler, controller manager,
/// simulated nodes): a pair of in-memory pipes per connection in place of a TCP socket and TLS. The requests still go
/// through Kestrel's HTTP parser and the whole API handler, so a component sees exactly what a remote client sees, but
/// no byte is encrypted, copied into the kernel and back, and decrypted again.
/// </summary>
/// <remarks>
/// The identity a component would prove in the TLS handshake, its client certificate, rides on the connection instead
/// (as Kestrel's TLS layer puts it there): the authenticator verifies it against the cluster CA as it verifies any other.
/// Only code in this process can open such a connection. kube-apiserver has the same shortcut for its own loopback
/// client, over a token it makes up at start.
/// </remarks>
public sealed class InProcessTransport : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly Channel<ConnectionContext> _accepted = Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = false });
    // Continuations on the thread pool, as a socket's: neither end runs the other's code on its own thread.
    private static readonly PipeOptions PipeOptions = new(useSynchronizationContext: false);
    private long _connections;

    /// <summary>Where Kestrel listens for these connections.</summary>
    public EndPoint EndPoint { get; } = new InProcessEndPoint();

    /// <summary>A new connection to the server, authenticated as the holder of <paramref name="clientCertificate"/>
    /// (none: anonymous, or whatever the requests' Authorization headers say).</summary>
    /// <exception cref="IOException">The server has stopped listening.</exception>
    public Stream Connect(X509Certificate2? clientCertificate)
    {
        var toServer = new Pipe(PipeOptions);
        var toClient = new Pipe(PipeOptions);
        var id = "in-process-" + Interlocked.Increment(ref _connections).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var connection = new InProcessConnection(id, new DuplexPipe(toServer.Reader, toClient.Writer), toServer.Writer, EndPoint, clientCertificate);
        if (!_accepted.Writer.TryWrite(connection))
        {
            throw new IOException("the API server no longer accepts in-process connections");
        }

        return new InProcessClientStream(toClient.Reader, toServer.Writer, connection.ClientClosed);
    }

    /// <summary>Connects as <see cref="Connect"/>, in the shape of <c>SocketsHttpHandler.ConnectCallback</c>.</summary>
    public ValueTask<Stream> ConnectAsync(X509Certificate2? clientCertificate, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Connect(clientCertificate));
    }

    public bool CanBind(EndPoint endpoint) => endpoint is InProcessEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not InProcessEndPoint)
        {
            throw new NotSupportedException($"the in-process transport cannot bind {endpoint}");
        }

        return ValueTask.FromResult<IConnectionListener>(new Listener(this));
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    private sealed class Listener(InProcessTransport transport) : IConnectionListener
    {
        public EndPoint EndPoint => transport.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await transport._accepted.Reader.ReadAsync(cancellationToken);
            }
            catch (ChannelClosedException)
            {
                return null; // unbound: Kestrel stops accepting
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => CloseAsync();

        public ValueTask DisposeAsync() => CloseAsync();

        private async ValueTask CloseAsync()
        {
            transport._accepted.Writer.TryComplete();
            // Connections made but never accepted (Kestrel stops accepting before it unbinds): their clients read the
            // end of the stream instead of waiting for an answer that never comes.
            while (transport._accepted.Reader.TryRead(out var left))
            {
                await left.DisposeAsync();
            }
        }
    }
}
