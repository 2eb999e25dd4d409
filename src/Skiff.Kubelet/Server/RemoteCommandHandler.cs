using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Skiff.Cri.V1;
using Skiff.Streaming.Channels;
using Skiff.Streaming.Spdy;
using Skiff.Streaming.WebSockets;

namespace Skiff.Kubelet.Server;

/// <summary>
/// <c>/exec/{namespace}/{pod}/{container}?command=..&amp;stdin&amp;stdout&amp;stderr&amp;tty</c> and
/// <c>/attach/{namespace}/{pod}/{container}</c>: a WebSocket (v5.channel.k8s.io or v4.channel.k8s.io) bridged to the
/// runtime's streaming server, reached through CRI Exec/Attach and a SPDY upgrade of the single-use URL it returns.
/// </summary>
public sealed class RemoteCommandHandler
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(30);
    private static readonly string[] Protocols = [StreamProtocols.ChannelV5, StreamProtocols.ChannelV4];

    private readonly PodContainerLocator _locator;
    private readonly RuntimeService.RuntimeServiceClient _runtime;
    private readonly ILogger _logger;

    public RemoteCommandHandler(PodContainerLocator locator, RuntimeService.RuntimeServiceClient runtime, ILogger logger)
    {
        _locator = locator;
        _runtime = runtime;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext ctx, bool attach, string podNamespace, string podName, string containerName)
    {
        var ct = ctx.RequestAborted;
        var query = ctx.Request.Query;
        var stdin = ContainerLogsHandler.Flag(query["stdin"]);
        var stdout = ContainerLogsHandler.Flag(query["stdout"]);
        var stderr = ContainerLogsHandler.Flag(query["stderr"]);
        var tty = ContainerLogsHandler.Flag(query["tty"]);
        var command = query["command"].Where(c => c is not null).Select(c => c!).ToList();
        if (!attach && command.Count == 0)
        {
            throw new KubeletHttpException(400, "you must specify at least 1 command");
        }

        if (!stdin && !stdout && !stderr)
        {
            throw new KubeletHttpException(400, "you must specify at least 1 of stdin, stdout, stderr");
        }

        if (!WebSocketAcceptor.IsWebSocketRequest(ctx))
        {
            throw new KubeletHttpException(400, "unable to upgrade: only WebSocket (v5.channel.k8s.io, v4.channel.k8s.io) is served");
        }

        var protocol = Protocols.FirstOrDefault(p => WebSocketAcceptor.OfferedProtocols(ctx).Contains(p))
            ?? throw new KubeletHttpException(400, $"unable to upgrade: none of the requested protocols is supported (want {string.Join(", ", Protocols)})");

        // Only a running container can be exec'd into or attached to; anything else is the kubelet's "container not found".
        var container = (await _locator.FindContainersAsync(podNamespace, podName, containerName, ct))
            .FirstOrDefault(c => c.State == ContainerState.ContainerRunning)
            ?? throw new KubeletHttpException(500, $"container not found (\"{containerName}\")");

        var url = attach
            ? (await PodContainerLocator.CallAsync(() => _runtime.AttachAsync(new AttachRequest { ContainerId = container.Id, Stdin = stdin, Stdout = stdout, Stderr = stderr && !tty, Tty = tty }, cancellationToken: ct).ResponseAsync)).Url
            : (await PodContainerLocator.CallAsync(() => _runtime.ExecAsync(new ExecRequest { ContainerId = container.Id, Cmd = { command }, Stdin = stdin, Stdout = stdout, Stderr = stderr && !tty, Tty = tty }, cancellationToken: ct).ResponseAsync)).Url;

        using var socket = await WebSocketAcceptor.AcceptAsync(ctx, protocol, KeepAlive);
        IRemoteCommandSession session;
        try
        {
            var (connection, _) = await SpdyUpgradeClient.ConnectAsync(new Uri(url), StreamProtocols.ChannelV4, ct);
            session = await SpdyRemoteCommandSession.StartAsync(connection, stdin, stdout, stderr, tty, ct);
        }
        catch (Exception e) when (e is IOException or TimeoutException or SpdyProtocolException or System.Net.Sockets.SocketException)
        {
            _logger.LogWarning(e, "{Kind} in {Namespace}/{Pod}/{Container} could not reach the runtime", attach ? "attach" : "exec", podNamespace, podName, containerName);
            await socket.SendAsync(ChannelFrame.Encode(StreamChannel.Error, RemoteCommandBridge.FailureStatus(e.Message)), WebSocketMessageType.Binary, true, ct);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, ct);
            return;
        }

        await using (session)
        {
            await RemoteCommandBridge.RunAsync(socket, protocol, session, ct);
        }
    }
}
