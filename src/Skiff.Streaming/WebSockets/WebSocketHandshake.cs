using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace Skiff.Streaming.WebSockets;

/// <summary>
/// The RFC 6455 opening handshake done by hand, for subprotocols .NET refuses: <c>SPDY/3.1+portforward.k8s.io</c>
/// contains '/', which <see cref="ClientWebSocket"/> and ASP.NET Core's <c>AcceptWebSocketAsync</c> reject as a token.
/// After the handshake the framing is .NET's own (<see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/>).
/// </summary>
public static class WebSocketHandshake
{
    private const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary><c>Sec-WebSocket-Accept</c> for a <c>Sec-WebSocket-Key</c>.</summary>
    public static string AcceptKey(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key.Trim() + Guid)));

    /// <summary>True when the request headers ask for a WebSocket upgrade.</summary>
    public static bool IsUpgradeRequest(string? method, string? upgrade, string? connection) =>
        method == "GET" &&
        upgrade?.Contains("websocket", StringComparison.OrdinalIgnoreCase) == true &&
        connection?.Contains("upgrade", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>The subprotocols a client offered in its <c>Sec-WebSocket-Protocol</c> header(s).</summary>
    public static IReadOnlyList<string> OfferedProtocols(IEnumerable<string?> headerValues) =>
        headerValues.Where(v => v is not null)
            .SelectMany(v => v!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .ToList();

    /// <summary>
    /// Connects to <paramref name="uri"/> (ws or wss) offering <paramref name="subProtocol"/>. A refusal becomes a
    /// <see cref="WebSocketUpgradeException"/> with the server's status code and body.
    /// </summary>
    public static async Task<WebSocket> ConnectAsync(Uri uri, string subProtocol, SslClientAuthenticationOptions? tls, IReadOnlyDictionary<string, string>? headers, TimeSpan keepAlive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var tcp = new TcpClient { NoDelay = true };
        Stream? stream = null;
        try
        {
            await tcp.ConnectAsync(uri.Host.Trim('[', ']'), uri.Port, cancellationToken);
            stream = tcp.GetStream();
            if (uri.Scheme == "wss")
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                var options = tls ?? new SslClientAuthenticationOptions();
                options.TargetHost ??= uri.IdnHost;
                options.ApplicationProtocols = [SslApplicationProtocol.Http11];
                await ssl.AuthenticateAsClientAsync(options, cancellationToken);
            }

            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            var request = new StringBuilder()
                .Append("GET ").Append(uri.PathAndQuery).Append(" HTTP/1.1\r\n")
                .Append("Host: ").Append(uri.Authority).Append("\r\n")
                .Append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
                .Append("Sec-WebSocket-Key: ").Append(key).Append("\r\n")
                .Append("Sec-WebSocket-Protocol: ").Append(subProtocol).Append("\r\n");
            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            {
                request.Append(name).Append(": ").Append(value).Append("\r\n");
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()), cancellationToken);
            var (status, responseHeaders) = await ReadResponseHeadAsync(stream, cancellationToken);
            if (status != 101)
            {
                var body = await ReadBodyAsync(stream, responseHeaders, cancellationToken);
                throw new WebSocketUpgradeException(status, body);
            }

            if (!responseHeaders.TryGetValue("sec-websocket-accept", out var accept) || accept != AcceptKey(key))
            {
                throw new WebSocketUpgradeException(502, "the server answered the upgrade with a wrong Sec-WebSocket-Accept");
            }

            return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = keepAlive });
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }

            tcp.Dispose();
            throw;
        }
    }

    private static async Task<(int Status, Dictionary<string, string> Headers)> ReadResponseHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>(512);
        var one = new byte[1];
        while (true)
        {
            if (head.Count > 64 * 1024 || await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new WebSocketUpgradeException(502, "the server closed the connection during the WebSocket handshake");
            }

            head.Add(one[0]);
            if (head.Count >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r')
            {
                break;
            }
        }

        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var parts = lines[0].Split(' ', 3);
        var status = parts.Length > 1 && int.TryParse(parts[1], out var code) ? code : 502;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        return (status, headers);
    }

    private static async Task<string> ReadBodyAsync(Stream stream, Dictionary<string, string> headers, CancellationToken cancellationToken)
    {
        var length = headers.TryGetValue("content-length", out var text) && int.TryParse(text, out var n) ? Math.Min(n, 64 * 1024) : 0;
        var body = new byte[length];
        var read = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            while (read < length)
            {
                var got = await stream.ReadAsync(body.AsMemory(read), timeout.Token);
                if (got == 0)
                {
                    break;
                }

                read += got;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        return Encoding.UTF8.GetString(body, 0, read).Trim();
    }
}

/// <summary>The server refused a WebSocket upgrade: its status code and (plain-text or JSON) body.</summary>
public sealed class WebSocketUpgradeException : IOException
{
    public WebSocketUpgradeException(int statusCode, string body)
        : base(body.Length > 0 ? body : $"WebSocket upgrade refused with HTTP {statusCode}")
    {
        StatusCode = statusCode;
        Body = body;
    }

    public WebSocketUpgradeException()
        : this(502, string.Empty)
    {
    }

    public WebSocketUpgradeException(string message)
        : this(502, message)
    {
    }

    public WebSocketUpgradeException(string message, Exception innerException)
        : base(message, innerException)
    {
        Body = message;
    }

    public int StatusCode { get; }

    public string Body { get; } = string.Empty;
}
