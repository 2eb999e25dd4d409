using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Skiff.ApiServer.Hosting;

/// <summary>The server's end of one <see cref="InProcessTransport"/> connection, as Kestrel takes a socket's.</summary>
internal sealed class InProcessConnection : ConnectionContext
{
    // What a component's requests report as their peer (audit events' sourceIPs): this host.
    private static readonly IPEndPoint Peer = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _closed = new();
    private readonly PipeWriter _clientOutput;

    /// <param name="transport">The server's end of the pipes.</param>
    /// <param name="clientOutput">What the client writes: the other end of <paramref name="transport"/>'s input.</param>
    public InProcessConnection(string id, IDuplexPipe transport, PipeWriter clientOutput, EndPoint local, X509Certificate2? clientCertificate)
    {
        _clientOutput = clientOutput;
        ConnectionId = id;
        Transport = transport;
        LocalEndPoint = local;
        RemoteEndPoint = Peer;
        ConnectionClosed = _closed.Token;
        if (clientCertificate is not null)
        {
            // Where Kestrel's TLS layer leaves the certificate a client proved; HttpContext.Connection reads it there.
            Features.Set<ITlsConnectionFeature>(new ClientCertificateFeature(clientCertificate));
        }
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override IDuplexPipe Transport { get; set; }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        // As a socket's abort: what the server reads ends here (the client's side of the pipe, so that Kestrel's own
        // reader is never completed under it); Kestrel then ends the connection and disposes it, which ends what the
        // client reads.
        _clientOutput.Complete(abortReason);
        Cancel();
    }

    /// <summary>The client closed its stream: as a socket's peer closing, Kestrel aborts what it still serves on this
    /// connection (an open watch among them) and ends the connection.</summary>
    public void ClientClosed() => Cancel();

    public override async ValueTask DisposeAsync()
    {
        // Kestrel is done with the connection: the client reads the end of the stream.
        await Transport.Input.CompleteAsync();
        await Transport.Output.CompleteAsync();
        Cancel();
        _closed.Dispose();
    }

    private void Cancel()
    {
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Aborted after it was disposed: already closed.
        }
    }

    private sealed class ClientCertificateFeature(X509Certificate2 certificate) : ITlsConnectionFeature
    {
        public X509Certificate2? ClientCertificate { get; set; } = certificate;

        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult(ClientCertificate);
    }
}
