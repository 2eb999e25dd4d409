using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Skiff.Cri.V1;
using Skiff.Streaming.Channels;
using Skiff.Streaming.PortForward;
using Skiff.Streaming.Spdy;
using Skiff.Streaming.WebSockets;

namespace Skiff.Kubelet.Server;

/// <summary>
/// <c>/portForward/{namespace}/{pod}</c>: kubectl's port-forward protocol over SPDY/3.1, either tunnelled in a
/// WebSocket (subprotocol <c>SPDY/3.1+portforward.k8s.io</c>, kubectl 1.30+) or after a plain <c>Upgrade: SPDY/3.1</c>.
/// Forwarded connections are relayed to the runtime's port-forward URL (CRI PortForward, one upgrade per session).
/// </summary>
public sealed class PortForwardHandler
{
    private readonly PodContainerLocator _locator;
    private readonly RuntimeService.RuntimeServiceClient _runtime;

    public PortForwardHandler(PodContainerLocator locator, RuntimeService.RuntimeServiceClient runtime)
    {
        _locator = locator;
        _runtime = runtime;
    }

    public async Task HandleAsync(HttpContext ctx, string podNamespace, string podName)
    {
        var ct = ctx.RequestAborted;
        var sandbox = await _locator.FindSandboxAsync(podNamespace, podName, ct);
        if (sandbox.State != PodSandboxState.SandboxReady)
        {
            throw new KubeletHttpException(400, $"pod \"{podName}\" is not running");
        }

        var ports = ctx.Request.Query["port"].Select(p => int.TryParse(p, out var n) ? n : 0).Where(n => n > 0).ToList();
        Stream transport;
        if (WebSocketAcceptor.IsWebSocketRequest(ctx))
        {
            if (!WebSocketAcceptor.OfferedProtocols(ctx).Contains(StreamProtocols.SpdyPortForwardWebSocket))
            {
                throw new KubeletHttpException(400, $"unable to upgrade: port-forward needs subprotocol {StreamProtocols.SpdyPortForwardWebSocket}");
            }

            var socket = await WebSocketAcceptor.AcceptAsync(ctx, StreamProtocols.SpdyPortForwardWebSocket, TimeSpan.FromSeconds(30));
            transport = WebSocketStream.Create(socket, WebSocketMessageType.Binary, ownsWebSocket: true);
        }
        else if (IsSpdyUpgrade(ctx.Request))
        {
            var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
            if (upgrade is null || !upgrade.IsUpgradableRequest)
            {
                throw new KubeletHttpException(400, "unable to upgrade: connection is not upgradable");
            }

            ctx.Response.Headers["X-Stream-Protocol-Version"] = StreamProtocols.PortForward;
            ctx.Response.Headers.Upgrade = StreamProtocols.SpdyUpgrade;
            transport = await upgrade.UpgradeAsync();
        }
        else
        {
            throw new KubeletHttpException(400, "unable to upgrade: missing upgrade headers in request");
        }

        var bridge = new PortForwardBridge(new SpdyConnection(transport, isServer: true), async token =>
        {
            // Each CRI PortForward URL is single-use: ask for a fresh one per session.
            var request = new PortForwardRequest { PodSandboxId = sandbox.Id, Port = { ports } };
            var response = await PodContainerLocator.CallAsync(() => _runtime.PortForwardAsync(request, cancellationToken: token).ResponseAsync);
            var (connection, _) = await SpdyUpgradeClient.ConnectAsync(new Uri(response.Url), StreamProtocols.PortForward, token);
            return connection;
        });
        await bridge.RunAsync(ct);
    }

    internal static bool IsSpdyUpgrade(HttpRequest request) =>
        request.Headers.Upgrade.ToString().Contains(StreamProtocols.SpdyUpgrade, StringComparison.OrdinalIgnoreCase);
}
