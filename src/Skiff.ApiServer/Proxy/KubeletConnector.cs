using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;

namespace Skiff.ApiServer.Proxy;

/// <summary>
/// The API server's connections to kubelets: HTTPS with the API server's kubelet-client certificate (cluster CA). Like
/// kube-apiserver without <c>--kubelet-certificate-authority</c>, the kubelet's (self-signed) serving certificate is
/// not verified.
/// </summary>
public sealed class KubeletConnector : IDisposable
{
    private readonly SocketsHttpHandler _handler;
    private readonly HttpClient _http;

    public KubeletConnector(X509Certificate2? clientCertificate, string? bearerToken = null)
    {
        BearerToken = bearerToken;
        _handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            },
        };
        _http = new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        if (bearerToken is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearerToken);
        }
    }

    public string? BearerToken { get; }

    /// <summary>GET with the response streamed (headers read, body not yet).</summary>
    public Task<HttpResponseMessage> GetStreamingAsync(Uri uri, CancellationToken cancellationToken) =>
        _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    /// <summary>Opens a WebSocket to the kubelet with one subprotocol; the exception says why when the kubelet refuses.</summary>
    public async Task<ClientWebSocket> ConnectWebSocketAsync(Uri uri, string subprotocol, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(subprotocol);
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        socket.Options.CollectHttpResponseDetails = true;
        if (BearerToken is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + BearerToken);
        }

        try
        {
            await socket.ConnectAsync(uri, new HttpMessageInvoker(_handler, disposeHandler: false), cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _handler.Dispose();
    }
}
