using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Informers;
using Skiff.Client.Queue;
using Skiff.Networking.Overlay;

namespace Skiff.Networking.Routes;

/// <summary>
/// Runs on every node (beside the kubelet): watches all Nodes through the shared informer and keeps this node's
/// routes to the other nodes' pod ranges (<see cref="RouteReconciler"/>) — at start (removing what nodes that left
/// while it was down had), on every Node change, and every <see cref="ResyncPeriod"/> in case someone removed a
/// route by hand. With an overlay it also publishes this node's VTEP on its Node (flannel's annotations), which is
/// how the other nodes learn its MAC.
/// </summary>
public sealed class NodeRoutesController : IDisposable
{
    public static readonly TimeSpan ResyncPeriod = TimeSpan.FromSeconds(30);

    /// <summary>The one key of the queue: every change leads to one full pass over all nodes.</summary>
    private const string AllNodes = "all";

    private readonly SharedInformer<V1Node> _nodes;
    private readonly RouteReconciler _reconciler;
    private readonly ILogger _logger;
    private readonly IHandlerRegistration _registration;
    private readonly TimeProvider _time;
    private readonly ComponentContext _context;
    private readonly string _nodeName;

    public NodeRoutesController(ComponentContext context, string nodeName, IRouteTable table, PodNetworkBackend backend = PodNetworkBackend.HostGateway, IVxlanTable? vxlan = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _nodeName = nodeName;
        _logger = context.Loggers.CreateLogger("Skiff.Networking.Routes");
        _nodes = context.Informers.Get<V1Node>();
        _reconciler = new RouteReconciler(table, nodeName, _logger, backend, vxlan);
        _time = context.Time;
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(context.Time), context.Time, "node-routes");
        _registration = _nodes.AddEventHandler(ResourceEventHandler<V1Node>.ForAny(_ => Queue.Add(AllNodes)));
    }

    public WorkQueue<string> Queue { get; }

    public static async Task RunAsync(string nodeName, IRouteTable table, ComponentContext context, CancellationToken cancellationToken)
    {
        using var controller = new NodeRoutesController(context, nodeName, table);
        await controller.RunAsync(cancellationToken);
    }

    public static async Task RunAsync(string nodeName, IRouteTable table, PodNetworkBackend backend, IVxlanTable vxlan, ComponentContext context, CancellationToken cancellationToken)
    {
        using var controller = new NodeRoutesController(context, nodeName, table, backend, vxlan);
        await controller.RunAsync(cancellationToken);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await _nodes.WaitForSyncAsync(cancellationToken);
        Queue.Add(AllNodes);
        await Task.WhenAll(QueueWorkers.RunAsync(Queue, 1, SyncAsync, _logger, cancellationToken), ResyncAsync(cancellationToken));
    }

    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ResyncPeriod, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                Queue.Add(AllNodes);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var nodes = _nodes.Cache.List();
        var changes = await _reconciler.ReconcileAsync(nodes, cancellationToken);
        foreach (var change in changes)
        {
            _logger.LogInformation("pod route: {Change}", change);
        }

        if (_reconciler.ActiveDevice is { } device && nodes.FirstOrDefault(n => n.Metadata.Name == _nodeName) is { } local)
        {
            var wanted = FlannelAnnotations.For(device.LocalIp, device.Mac);
            if (!FlannelAnnotations.Has(local, wanted))
            {
                var annotations = new System.Text.Json.Nodes.JsonObject();
                foreach (var (name, value) in wanted)
                {
                    annotations[name] = value;
                }

                var patch = new System.Text.Json.Nodes.JsonObject { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["annotations"] = annotations } };
                await _context.Api.PatchAsync<V1Node>(null, _nodeName, Skiff.Client.Api.ApiPatch.Merge(patch.ToJsonString()), cancellationToken);
                _logger.LogInformation("node {Node}: VXLAN VTEP {Mac} on {Ip} published", _nodeName, device.Mac, device.LocalIp);
            }
        }
    }

    public void Dispose()
    {
        _registration.Dispose();
        Queue.Dispose();
    }
}
