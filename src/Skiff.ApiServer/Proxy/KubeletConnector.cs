using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using Skiff.Streaming.WebSockets;

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
    private readonly HttpMessageInvoker _invoker;
    private readonly X509Certificate2? _clientCertificate;

    public KubeletConnector(X509Certificate2? clientCertificate, string? bearerToken = null)
    {
        BearerToken = bearerToken;
        _clientCertificate = clientCertificate;
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
        _invoker = new HttpMessageInvoker(_handler, disposeHandler: false);
        if (bearerToken is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearerToken);
        }
    }

    public string? BearerToken { get; }

    /// <summary>The same connections (client certificate, no server verification) for forwarding whole requests
    /// (<c>nodes/proxy</c>).</summary>
    public HttpMessageInvoker Invoker => _invoker;

    /// <summary>GET with the response streamed (headers read, body not yet).</summary>
    public Task<HttpResponseMessage> GetStreamingAsync(Uri uri, CancellationToken cancellationToken) =>
        _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    /// <summary>Opens a WebSocket to the kubelet with one subprotocol; a refusal is a <see cref="WebSocketUpgradeException"/> carrying the kubelet's message.</summary>
    public Task<WebSocket> ConnectWebSocketAsync(Uri uri, string subprotocol, CancellationToken cancellationToken)
    {
        var tls = new SslClientAuthenticationOptions
        {
            ClientCertificates = _clientCertificate is null ? null : new X509CertificateCollection { _clientCertificate },
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        };
        var headers = BearerToken is null ? null : new Dictionary<string, string> { ["Authorization"] = "Bearer " + BearerToken };
        return WebSocketHandshake.ConnectAsync(uri, subprotocol, tls, headers, TimeSpan.FromSeconds(30), cancellationToken);
    }

    public void Dispose()
    {
        _http.Dispose();
        _invoker.Dispose();
        _handler.Dispose();
    }
}
