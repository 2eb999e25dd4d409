using System.Net.WebSockets;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;
using Skiff.Streaming.Channels;
using Skiff.Streaming.Spdy;
using Skiff.Streaming.WebSockets;

namespace Skiff.ApiServer.Proxy;

/// <summary>
/// <c>pods/{name}/log</c>, <c>exec</c>, <c>attach</c> and <c>portforward</c>: checks the pod and container, finds the
/// node's kubelet (status.addresses + status.daemonEndpoints.kubeletEndpoint.Port) and proxies to it. Logs stream as
/// plain text, flushed per chunk; exec/attach are WebSockets (v5.channel.k8s.io from kubectl, v4 accepted) relayed
/// message by message; port-forward is a WebSocket carrying SPDY (<c>SPDY/3.1+portforward.k8s.io</c>), or a plain
/// <c>Upgrade: SPDY/3.1</c> whose bytes are relayed into such a WebSocket towards the kubelet.
/// </summary>
public sealed class PodProxy
{
    private static readonly string[] ChannelProtocols = ["v5.channel.k8s.io", "v4.channel.k8s.io"];
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(30);

    // How long a SPDY client has to open the streams it asked for (the kubelet's stream creation timeout is 30 s).
    private static readonly TimeSpan StreamCreationTimeout = TimeSpan.FromSeconds(30);
    private const string SpdyPortForwardWebSocket = "SPDY/3.1+portforward.k8s.io";
    private static readonly string[] LogParameters = ["follow", "tailLines", "sinceSeconds", "sinceTime", "timestamps", "previous", "limitBytes"];

    private readonly GenericRegistry _registry;
    private readonly KubeletConnector _kubelets;

    public PodProxy(GenericRegistry registry, KubeletConnector kubelets)
    {
        _registry = registry;
        _kubelets = kubelets;
    }

    /// <summary>True for the pod subresources this class serves.</summary>
    public static bool Serves(string subresource) => subresource is "log" or "exec" or "attach" or "portforward";

    /// <summary>Serves one request for <c>pods/{pod}/{subresource}</c> in <paramref name="podNamespace"/>; errors leave as <see cref="ApiException"/>.</summary>
    public async Task HandleAsync(HttpContext ctx, string podNamespace, string podName, string subresource)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var method = ctx.Request.Method;
        var allowed = subresource == "log" ? method == "GET" : method is "GET" or "POST";
        if (!allowed)
        {
            throw StatusErrors.MethodNotAllowed(method, "pods/" + subresource);
        }

        var pod = await GetPodAsync(podNamespace, podName, ctx.RequestAborted);
        switch (subresource)
        {
            case "log":
                await LogAsync(ctx, pod);
                return;
            case "exec" or "attach":
                await RemoteCommandAsync(ctx, pod, subresource);
                return;
            case "portforward":
                await PortForwardAsync(ctx, pod);
                return;
            default:
                throw StatusErrors.NotFoundPlain();
        }
    }

    private async Task LogAsync(HttpContext ctx, V1Pod pod)
    {
        var query = ctx.Request.Query;
        var container = PodProxyTarget.ResolveContainer(pod, query["container"].ToString());
        if (string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            // Not scheduled: nothing has run, so there is nothing to show (the real API server answers the same way).
            ctx.Response.ContentType = "text/plain";
            return;
        }

        PodProxyTarget.CheckLogsAvailable(pod, container, query["previous"] == "true");
        var endpoint = await KubeletAsync(pod, ctx.RequestAborted);
        var forwarded = string.Join("&", LogParameters
            .Where(p => query.ContainsKey(p))
            .Select(p => p + "=" + Uri.EscapeDataString(query[p].ToString())));
        var uri = endpoint.Uri("https", $"/containerLogs/{Escape(pod.Metadata.NamespaceProperty)}/{Escape(pod.Metadata.Name)}/{Escape(container)}" + (forwarded.Length > 0 ? "?" + forwarded : string.Empty));

        HttpResponseMessage response;
        try
        {
            response = await _kubelets.GetStreamingAsync(uri, ctx.RequestAborted);
        }
        catch (HttpRequestException e)
        {
            throw StatusErrors.Internal($"Get \"{uri}\": {e.Message}");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw KubeletError((int)response.StatusCode, await response.Content.ReadAsStringAsync(ctx.RequestAborted));
            }

            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "text/plain";
            await ctx.Response.StartAsync(ctx.RequestAborted);
            await using var body = await response.Content.ReadAsStreamAsync(ctx.RequestAborted);
            var buffer = new byte[16 * 1024];
            try
            {
                int n;
                while ((n = await body.ReadAsync(buffer, ctx.RequestAborted)) > 0)
                {
                    await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, n), ctx.RequestAborted);
                    await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !ctx.RequestAborted.IsCancellationRequested)
            {
                // The kubelet went away mid-stream; the client sees the log end.
            }
        }
    }

    private async Task RemoteCommandAsync(HttpContext ctx, V1Pod pod, string verb)
    {
        var query = ctx.Request.Query;
        var container = PodProxyTarget.ResolveContainer(pod, query["container"].ToString());
        if (string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            throw StatusErrors.BadRequest($"pod {pod.Metadata.Name} does not have a host assigned");
        }

        // Like kube-apiserver, whether the container runs is the kubelet's to say ("container not found").
        var websocket = WebSocketAcceptor.IsWebSocketRequest(ctx);
        var spdy = !websocket && IsSpdyUpgrade(ctx);
        if (!websocket && !spdy)
        {
            throw StatusErrors.BadRequest("Upgrade request required");
        }

        var protocol = websocket
            ? ChannelProtocols.FirstOrDefault(p => WebSocketAcceptor.OfferedProtocols(ctx).Contains(p))
                ?? throw StatusErrors.BadRequest($"unable to upgrade connection: requested protocols are not supported, want one of {string.Join(", ", ChannelProtocols)}")
            : SpdyRemoteCommandServer.Negotiate(ctx.Request.Headers["X-Stream-Protocol-Version"])
                ?? throw new ApiException(StatusErrors.Status(403, "Forbidden", $"unable to upgrade: unable to negotiate protocol: client supports {ctx.Request.Headers["X-Stream-Protocol-Version"]}, server accepts [{StreamProtocols.ChannelV4}]"));

        var options = new RemoteCommandOptions(Flag(query["stdin"]), Flag(query["stdout"]), Flag(query["stderr"]), Flag(query["tty"]));
        var forwarded = string.Join("&", query
            .Where(p => p.Key is "command" or "stdin" or "stdout" or "stderr" or "tty")
            .SelectMany(p => p.Value.Select(v => p.Key + "=" + Uri.EscapeDataString(v ?? string.Empty))));
        var endpoint = await KubeletAsync(pod, ctx.RequestAborted);
        var uri = endpoint.Uri("wss", $"/{verb}/{Escape(pod.Metadata.NamespaceProperty)}/{Escape(pod.Metadata.Name)}/{Escape(container)}?{forwarded}");
        if (websocket)
        {
            await WebSocketCommandAsync(ctx, uri, protocol);
        }
        else
        {
            await SpdyCommandAsync(ctx, uri, options);
        }
    }

    /// <summary>
    /// kubectl's WebSocket, relayed message by message. As in kube-apiserver's stream translator the client is upgraded
    /// first, so a kubelet refusal arrives as an InternalError status on the error channel.
    /// </summary>
    private async Task WebSocketCommandAsync(HttpContext ctx, Uri uri, string protocol)
    {
        using var client = await WebSocketAcceptor.AcceptAsync(ctx, protocol, KeepAlive);
        WebSocket kubelet;
        try
        {
            kubelet = await _kubelets.ConnectWebSocketAsync(uri, protocol, ctx.RequestAborted);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException)
        {
            var reason = e is WebSocketUpgradeException refused ? "unable to upgrade connection: " + refused.Body.Trim() : "error dialing backend: " + e.Message;
            var status = RemoteCommandBridge.FailureStatus("Internal error occurred: " + reason);
            await client.SendAsync(ChannelFrame.Encode(StreamChannel.Error, status), WebSocketMessageType.Binary, true, ctx.RequestAborted);
            await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, ctx.RequestAborted);
            return;
        }

        using (kubelet)
        {
            await WebSocketRelay.RunAsync(client, kubelet, ctx.RequestAborted);
        }
    }

    /// <summary>
    /// kubectl's SPDY/3.1 (its fallback, or <c>KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false</c>) translated to the channel
    /// protocol towards the kubelet. The kubelet is dialled before answering, so its refusal goes back as the upgrade's
    /// response (status and plain-text body), which kubectl prints as <c>unable to upgrade connection: ...</c>.
    /// </summary>
    private async Task SpdyCommandAsync(HttpContext ctx, Uri uri, RemoteCommandOptions options)
    {
        WebSocket kubelet;
        try
        {
            kubelet = await _kubelets.ConnectWebSocketAsync(uri, StreamProtocols.ChannelV5, ctx.RequestAborted);
        }
        catch (WebSocketUpgradeException e)
        {
            ctx.Response.StatusCode = e.StatusCode is >= 400 and < 600 ? e.StatusCode : 500;
            ctx.Response.ContentType = "text/plain; charset=utf-8";
            await ctx.Response.WriteAsync(e.Body, ctx.RequestAborted);
            return;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException)
        {
            throw StatusErrors.Internal($"error dialing backend: {e.Message}");
        }

        await using var session = new WebSocketRemoteCommandSession(kubelet, StreamProtocols.ChannelV5);
        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>()!;
        ctx.Response.Headers["X-Stream-Protocol-Version"] = SpdyRemoteCommandServer.Protocol;
        ctx.Response.Headers.Upgrade = StreamProtocols.SpdyUpgrade;
        var raw = await upgrade.UpgradeAsync();
        await SpdyRemoteCommandServer.RunAsync(new SpdyConnection(raw, isServer: true), options, session, StreamCreationTimeout, ctx.RequestAborted);
    }

    private static bool IsSpdyUpgrade(HttpContext ctx) =>
        ctx.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true &&
        ctx.Request.Headers.Upgrade.ToString().Contains(StreamProtocols.SpdyUpgrade, StringComparison.OrdinalIgnoreCase);

    private static bool Flag(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Count > 0 && values[0] is "true" or "1" or "True";

    private async Task PortForwardAsync(HttpContext ctx, V1Pod pod)
    {
        if (string.IsNullOrEmpty(pod.Spec?.NodeName) || pod.Status?.Phase != "Running")
        {
            throw StatusErrors.BadRequest($"unable to forward port because pod is not running. Current status={pod.Status?.Phase ?? "Pending"}");
        }

        var endpoint = await KubeletAsync(pod, ctx.RequestAborted);
        var ports = string.Join("&", ctx.Request.Query["ports"].Select(p => "port=" + Uri.EscapeDataString(p ?? string.Empty)));
        var uri = endpoint.Uri("wss", $"/portForward/{Escape(pod.Metadata.NamespaceProperty)}/{Escape(pod.Metadata.Name)}" + (ports.Length > 0 ? "?" + ports : string.Empty));
        if (WebSocketAcceptor.IsWebSocketRequest(ctx))
        {
            if (!WebSocketAcceptor.OfferedProtocols(ctx).Contains(SpdyPortForwardWebSocket))
            {
                throw StatusErrors.BadRequest($"unable to upgrade connection: port-forward needs subprotocol {SpdyPortForwardWebSocket}");
            }

            using var kubelet = await ConnectKubeletAsync(uri, SpdyPortForwardWebSocket, ctx.RequestAborted);
            using var client = await WebSocketAcceptor.AcceptAsync(ctx, SpdyPortForwardWebSocket, KeepAlive);
            await WebSocketRelay.RunAsync(client, kubelet, ctx.RequestAborted);
            return;
        }

        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is null || !upgrade.IsUpgradableRequest || !ctx.Request.Headers.Upgrade.ToString().Contains("SPDY/3.1", StringComparison.OrdinalIgnoreCase))
        {
            throw StatusErrors.BadRequest("Upgrade request required");
        }

        // Plain SPDY from the client (KUBECTL_PORT_FORWARD_WEBSOCKETS=false): its raw bytes go into the WebSocket tunnel.
        using var tunnel = await ConnectKubeletAsync(uri, SpdyPortForwardWebSocket, ctx.RequestAborted);
        ctx.Response.Headers["X-Stream-Protocol-Version"] = "portforward.k8s.io";
        ctx.Response.Headers.Upgrade = "SPDY/3.1";
        await using var raw = await upgrade.UpgradeAsync();
        await using var tunnelStream = WebSocketStream.Create(tunnel, WebSocketMessageType.Binary, ownsWebSocket: false);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        var up = CopyAsync(raw, tunnelStream, done);
        var down = CopyAsync(tunnelStream, raw, done);
        await Task.WhenAny(up, down);
        await done.CancelAsync();
        await Task.WhenAll(up, down);
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationTokenSource done)
    {
        try
        {
            await from.CopyToAsync(to, done.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    private async Task<WebSocket> ConnectKubeletAsync(Uri uri, string protocol, CancellationToken cancellationToken)
    {
        try
        {
            return await _kubelets.ConnectWebSocketAsync(uri, protocol, cancellationToken);
        }
        catch (WebSocketUpgradeException e)
        {
            throw KubeletError(e.StatusCode, e.Body);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException)
        {
            throw StatusErrors.Internal($"error dialing backend: {e.Message}");
        }
    }

    private async Task<V1Pod> GetPodAsync(string podNamespace, string podName, CancellationToken cancellationToken)
    {
        var def = _registry.Index.Find(string.Empty, "v1", "pods") ?? throw StatusErrors.NotFoundPlain();
        var cached = await _registry.GetAsync(def, podNamespace, podName, null, cancellationToken);
        return ModelJson.Deserialize<V1Pod>(cached.Json);
    }

    private async Task<KubeletEndpoint> KubeletAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var nodeName = pod.Spec.NodeName;
        var def = _registry.Index.Find(string.Empty, "v1", "nodes") ?? throw StatusErrors.NotFoundPlain();
        V1Node node;
        try
        {
            var cached = await _registry.GetAsync(def, null, nodeName, null, cancellationToken);
            node = ModelJson.Deserialize<V1Node>(cached.Json);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            throw StatusErrors.BadRequest($"node \"{nodeName}\" of pod {pod.Metadata.Name} not found");
        }

        return KubeletEndpoint.FromNode(node)
            ?? throw StatusErrors.BadRequest($"node \"{nodeName}\" reports no address for its kubelet");
    }

    /// <summary>The kubelet's plain-text refusal as a Status: its 4xx as BadRequest/NotFound, the rest as InternalError.</summary>
    private static ApiException KubeletError(int code, string body)
    {
        var message = body.Trim();
        return code switch
        {
            400 => StatusErrors.BadRequest(message),
            404 => new ApiException(StatusErrors.Status(404, "NotFound", message)),
            401 or 403 => StatusErrors.Internal("the API server is not authorized by the kubelet: " + message),
            _ => StatusErrors.Internal(message),
        };
    }

    private static string Escape(string value) => Uri.EscapeDataString(value);
}
