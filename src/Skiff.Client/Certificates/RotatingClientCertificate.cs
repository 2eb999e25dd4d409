using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using k8s;

namespace Skiff.Client.Certificates;

/// <summary>
/// A client certificate that can change while the process runs (client-go's dynamic client certificate with its
/// connection rotation): every new TLS connection of the handlers it is attached to presents <see cref="Current"/>,
/// and <see cref="Replace"/> closes every connection they hold, so that no request — a watch least of all — goes on
/// as the old certificate's identity past the switch. Watches end with an error and their informers resume them.
/// </summary>
public sealed class RotatingClientCertificate
{
    private readonly ConcurrentDictionary<TrackedStream, byte> _connections = new();
    private X509Certificate2 _current;

    public RotatingClientCertificate(X509Certificate2 initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        _current = initial;
    }

    /// <summary>The certificate (with its private key) new connections present.</summary>
    public X509Certificate2 Current => Volatile.Read(ref _current);

    /// <summary>How many connections are open now (what <see cref="Replace"/> would close).</summary>
    public int OpenConnections => _connections.Count;

    /// <summary>
    /// Takes the client certificate out of <paramref name="config"/> (data or files) so that the official client does
    /// not pin it to its handler; null when the configuration has none (token credentials).
    /// </summary>
    public static RotatingClientCertificate? TakeFrom(KubernetesClientConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var certificatePem = ReadPem(config.ClientCertificateData, config.ClientCertificateFilePath);
        var keyPem = ReadPem(config.ClientCertificateKeyData, config.ClientKeyFilePath);
        if (certificatePem is null || keyPem is null)
        {
            return null;
        }

        config.ClientCertificateData = null;
        config.ClientCertificateKeyData = null;
        config.ClientCertificateFilePath = null;
        config.ClientKeyFilePath = null;
        return new RotatingClientCertificate(X509Certificate2.CreateFromPem(certificatePem, keyPem));
    }

    /// <summary>Makes <paramref name="handler"/> present <see cref="Current"/> and track its connections.</summary>
    public void Attach(SocketsHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => Current;
        handler.ConnectCallback = ConnectAsync;
    }

    /// <summary>Switches to <paramref name="next"/> and closes every open connection; the old certificate is left to
    /// the garbage collector, as a handshake in flight may still be using it.</summary>
    public void Replace(X509Certificate2 next)
    {
        ArgumentNullException.ThrowIfNull(next);
        Volatile.Write(ref _current, next);
        foreach (var connection in _connections.Keys)
        {
            connection.Dispose();
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var stream = new TrackedStream(socket, this);
        _connections[stream] = 0;
        return stream;
    }

    private static string? ReadPem(string? base64Data, string? path) =>
        !string.IsNullOrEmpty(base64Data) ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64Data))
        : !string.IsNullOrEmpty(path) ? File.ReadAllText(path)
        : null;

    /// <summary>A connection's stream that leaves the tracked set when the pool closes it.</summary>
    private sealed class TrackedStream(Socket socket, RotatingClientCertificate owner) : NetworkStream(socket, ownsSocket: true)
    {
        protected override void Dispose(bool disposing)
        {
            owner._connections.TryRemove(this, out _);
            base.Dispose(disposing);
        }
    }
}
