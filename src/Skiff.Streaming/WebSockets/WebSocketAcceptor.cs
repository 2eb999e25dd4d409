using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Skiff.Streaming.WebSockets;

/// <summary>
/// Accepts a WebSocket on an ASP.NET Core request with any subprotocol, including <c>SPDY/3.1+portforward.k8s.io</c>
/// that <c>AcceptWebSocketAsync</c> refuses. Needs no WebSockets middleware: the upgrade goes through
/// <see cref="IHttpUpgradeFeature"/> (HTTP/1.1).
/// </summary>
public static class WebSocketAcceptor
{
    public static bool IsWebSocketRequest(HttpContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        return WebSocketHandshake.IsUpgradeRequest(ctx.Request.Method, ctx.Request.Headers.Upgrade, ctx.Request.Headers.Connection) &&
            ctx.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true;
    }

    public static IReadOnlyList<string> OfferedProtocols(HttpContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        return WebSocketHandshake.OfferedProtocols(ctx.Request.Headers.SecWebSocketProtocol);
    }

    /// <summary>Answers 101 with <paramref name="subProtocol"/> echoed and returns the server WebSocket.</summary>
    public static async Task<WebSocket> AcceptAsync(HttpContext ctx, string subProtocol, TimeSpan keepAlive)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var key = ctx.Request.Headers.SecWebSocketKey.ToString();
        if (key.Length == 0 || ctx.Request.Headers.SecWebSocketVersion.ToString() != "13")
        {
            throw new InvalidOperationException("not a WebSocket version 13 handshake");
        }

        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>() ?? throw new InvalidOperationException("the connection cannot be upgraded");
        ctx.Response.Headers.Connection = "Upgrade";
        ctx.Response.Headers.Upgrade = "websocket";
        ctx.Response.Headers.SecWebSocketAccept = WebSocketHandshake.AcceptKey(key);
        ctx.Response.Headers.SecWebSocketProtocol = subProtocol;
        var stream = await upgrade.UpgradeAsync();
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = keepAlive });
    }
}
