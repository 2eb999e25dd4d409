using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Informers;
using Skiff.Client.Queue;

namespace Skiff.Controllers.NodeLifecycle;

/// <summary>
/// Upstream's node lifecycle controller (pkg/controller/nodelifecycle): a node whose kubelet stops renewing its Lease
/// (and posting status) for the grace period gets its conditions set to Unknown, its pods marked not Ready, the
/// <c>unreachable</c> (or, for Ready=False, <c>not-ready</c>) NoSchedule taint at once and the NoExecute one at its
/// zone's rate, which the zone's health sets: 0.1 node/s, slower or none in a partially disrupted zone, and none at all
/// when every zone is down (then the control plane, not the nodes, is the likely culprit). A node that comes back
/// loses the taints. The NoExecute taints make <see cref="TaintEviction.TaintEvictionController"/> evict.
/// </summary>
public sealed class NodeLifecycleController : IDisposable
{
    public const string LeaseNamespace = "kube-node-lease";
    public const string UnknownReason = "NodeStatusUnknown";
    public const string UnknownMessage = "Kubelet stopped posting node status.";
    public const string NeverUpdatedReason = "NodeStatusNeverUpdated";
    public const string NeverUpdatedMessage = "Kubelet never posted node status.";

    /// <summary>The conditions upstream sets Unknown (Ready first).</summary>
    private static readonly string[] MonitoredConditions = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEventRecorder _events;
    private readonly NodeLifecycleOptions _options;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly SharedInformer<V1Lease> _leases;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly List<IHandlerRegistration> _registrations = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, NodeHealth> _health = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ZoneState> _zoneStates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RateLimitedNodeQueue> _zoneTainters = new(StringComparer.Ordinal);

    public NodeLifecycleController(ComponentContext context, NodeLifecycleOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        _api = context.Api;
        _time = context.Time;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.NodeLifecycle");
        _events = context.Events.NewRecorder("node-controller");
        _options = options ?? new NodeLifecycleOptions();
        _nodes = context.Informers.Get<V1Node>();
        _leases = context.Informers.Get<V1Lease>();
        _pods = context.Informers.Get<V1Pod>();
        _pods.AddIndexer(Indexers.NodeName, Indexers.ByNodeName);
        NoScheduleQueue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time, "node_lifecycle_controller");
        _registrations.Add(_nodes.AddEventHandler(new ResourceEventHandler<V1Node>
        {
            Added = (node, _) => NoScheduleQueue.Add(node.Metadata.Name),
            Updated = (_, node) => NoScheduleQueue.Add(node.Metadata.Name),
        }));
    }

    /// <summary>Nodes whose NoSchedule condition taints are to be brought in line (upstream's nodeUpdateQueue).</summary>
    public WorkQueue<string> NoScheduleQueue { get; }

    /// <summary>The zones' states after the last pass.</summary>
    public IReadOnlyDictionary<string, ZoneState> ZoneStates => _zoneStates;

    /// <summary>Nodes waiting in a zone's queue for their NoExecute taint.</summary>
    public IReadOnlyList<string> PendingTaints => _zoneTainters.Values.SelectMany(q => q.Nodes).ToList();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_nodes.WaitForSyncAsync(cancellationToken), _leases.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken));
        await Task.WhenAll(
            EveryAsync(_options.MonitorPeriod, MonitorNodeHealthAsync, "node health", cancellationToken),
            EveryAsync(_options.TaintingPeriod, NoExecuteTaintingPassAsync, "NoExecute tainting", cancellationToken),
            QueueWorkers.RunAsync(NoScheduleQueue, 1, SyncNoScheduleTaintsAsync, _logger, cancellationToken));
    }

    /// <summary>One health pass over every node (upstream's monitorNodeHealth), then the zones' states.</summary>
    public async Task MonitorNodeHealthAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var nodes = _nodes.Cache.List();
            foreach (var gone in _health.Keys.Except(nodes.Select(n => n.Metadata.Name)).ToList())
            {
                _health.Remove(gone);
            }

            var zoneConditions = new Dictionary<string, List<V1NodeCondition?>>(StringComparer.Ordinal);
            var current = new List<V1Node>();
            foreach (var cached in nodes)
            {
                var zone = Zones.KeyOf(cached);
                if (!_zoneTainters.ContainsKey(zone))
                {
                    _zoneTainters[zone] = new RateLimitedNodeQueue(_options.EvictionRate, _time);
                    _zoneStates[zone] = ZoneState.Initial;
                }

                var (node, wasReady) = await UpdateHealthAsync(cached, cancellationToken);
                current.Add(node);
                var ready = ReadyCondition(node);
                (zoneConditions.TryGetValue(zone, out var list) ? list : zoneConditions[zone] = []).Add(ready);
                if (ready is null)
                {
                    continue;
                }

                var health = _health[node.Metadata.Name];
                if (ready.Status != "True" && (wasReady || health.PodsNeedRetry))
                {
                    if (wasReady)
                    {
                        _events.Event(node, EventTypes.Normal, "NodeNotReady", $"Node {node.Metadata.Name} status is now: NodeNotReady");
                    }

                    health.PodsNeedRetry = !await MarkPodsNotReadyAsync(node.Metadata.Name, cancellationToken);
                }

                await ProcessTaintBasedEvictionAsync(node, ready, zone, cancellationToken);
            }

            await HandleDisruptionAsync(zoneConditions, current, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Works the zones' queues: taints the nodes whose turn the rate allows.</summary>
    public async Task NoExecuteTaintingPassAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var queue in _zoneTainters.Values)
            {
                await queue.TryAsync(async name =>
                {
                    var node = _nodes.Cache.Get(null, name);
                    var ready = node is null ? null : ReadyCondition(node);
                    (string Key, string Other)? swap = ready?.Status switch
                    {
                        "False" => (NodeTaints.NotReady, NodeTaints.Unreachable),
                        "Unknown" => (NodeTaints.Unreachable, NodeTaints.NotReady),
                        _ => null,
                    };
                    if (swap is not { } s)
                    {
                        return (true, TimeSpan.Zero);
                    }

                    var ok = await SwapNoExecuteAsync(name, s.Key, s.Other, cancellationToken);
                    return (ok, TimeSpan.FromMilliseconds(50));
                });
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Brings node <paramref name="name"/>'s condition NoSchedule taints in line with its conditions
    /// (upstream's doNoScheduleTaintingPass; the unschedulable taint is the scheduler's business here).</summary>
    public async Task SyncNoScheduleTaintsAsync(string name, CancellationToken cancellationToken)
    {
        var node = _nodes.Cache.Get(null, name);
        if (node is null)
        {
            return;
        }

        var wanted = NodeTaints.NoScheduleKeysFor(node);
        var present = (node.Spec?.Taints ?? []).Where(t => t.Effect == NodeTaints.NoSchedule && NodeTaints.ManagedNoScheduleKeys.Contains(t.Key)).Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        if (present.SetEquals(wanted))
        {
            return;
        }

        await NodeTaints.SwapAsync(
            _api,
            name,
            wanted.Select(k => (k, NodeTaints.NoSchedule)).ToList(),
            t => t.Effect == NodeTaints.NoSchedule && NodeTaints.ManagedNoScheduleKeys.Contains(t.Key),
            _time.GetUtcNow(),
            cancellationToken);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        NoScheduleQueue.Dispose();
        _gate.Dispose();
    }

    private static V1NodeCondition? ReadyCondition(V1Node node) => node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");

    /// <summary>Notes what the node's Lease and Ready heartbeat say, and past the grace period sets its conditions
    /// Unknown. Returns the node as it now is and whether it was Ready before this pass.</summary>
    private async Task<(V1Node Node, bool WasReady)> UpdateHealthAsync(V1Node node, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var name = node.Metadata.Name;
        var ready = ReadyCondition(node);
        var lease = _leases.Cache.Get(LeaseNamespace, name);
        if (!_health.TryGetValue(name, out var health))
        {
            // First sight: count from now, as if just heard from (upstream starts from the observation too).
            health = new NodeHealth { ProbeTimestamp = now, LeaseRenewTime = lease?.Spec?.RenewTime, ReadyHeartbeat = ready?.LastHeartbeatTime };
            _health[name] = health;
            if (ready?.Status == "True" || ready is null)
            {
                health.WasReady = ready?.Status == "True";
            }
        }

        if (ready?.LastHeartbeatTime is { } heartbeat && heartbeat != health.ReadyHeartbeat)
        {
            health.ReadyHeartbeat = heartbeat;
            health.ProbeTimestamp = now;
        }

        if (lease?.Spec?.RenewTime is { } renew && (health.LeaseRenewTime is null || renew > health.LeaseRenewTime))
        {
            health.LeaseRenewTime = renew;
            health.ProbeTimestamp = now;
        }

        var wasReady = health.WasReady;
        var grace = ready is null ? _options.StartupGracePeriod : _options.GracePeriod;
        if (now <= health.ProbeTimestamp + grace || (ready is not null && ready.Status == "Unknown" && AllUnknown(node)))
        {
            health.WasReady = ReadyCondition(node)?.Status == "True";
            return (node, wasReady);
        }

        var copy = ObjectCopy.Clone(node);
        copy.Status ??= new V1NodeStatus();
        copy.Status.Conditions ??= [];
        foreach (var type in MonitoredConditions)
        {
            var condition = copy.Status.Conditions.FirstOrDefault(c => c.Type == type);
            if (condition is null)
            {
                copy.Status.Conditions.Add(new V1NodeCondition
                {
                    Type = type,
                    Status = "Unknown",
                    Reason = NeverUpdatedReason,
                    Message = NeverUpdatedMessage,
                    LastHeartbeatTime = node.Metadata.CreationTimestamp,
                    LastTransitionTime = now.UtcDateTime,
                });
            }
            else if (condition.Status != "Unknown")
            {
                condition.Status = "Unknown";
                condition.Reason = UnknownReason;
                condition.Message = UnknownMessage;
                condition.LastTransitionTime = now.UtcDateTime;
            }
        }

        try
        {
            var updated = await _api.UpdateStatusAsync(copy, cancellationToken);
            _logger.LogInformation("node {Node} has not been heard from for {Grace}: its conditions are Unknown", name, grace);
            health.WasReady = false;
            return (updated, wasReady);
        }
        catch (ApiException e) when (e.IsConflict || e.IsNotFound)
        {
            // Changed meanwhile (perhaps the kubelet is back) or gone: the next pass looks again.
            return (node, wasReady);
        }
    }

    private static bool AllUnknown(V1Node node) =>
        MonitoredConditions.All(type => node.Status?.Conditions?.Any(c => c.Type == type && c.Status == "Unknown") == true);

    /// <summary>Sets Ready=False on the node's pods (upstream's MarkPodsNotReady); false when one failed.</summary>
    private async Task<bool> MarkPodsNotReadyAsync(string nodeName, CancellationToken cancellationToken)
    {
        var ok = true;
        foreach (var pod in _pods.Cache.ByIndex(Indexers.NodeName, nodeName))
        {
            var ready = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
            if (ready is null || ready.Status == "False")
            {
                continue;
            }

            var copy = ObjectCopy.Clone(pod);
            var condition = copy.Status.Conditions.First(c => c.Type == "Ready");
            condition.Status = "False";
            condition.LastTransitionTime = _time.GetUtcNow().UtcDateTime;
            try
            {
                await _api.UpdateStatusAsync(copy, cancellationToken);
                _events.Event(pod, EventTypes.Warning, "NodeNotReady", "Node is not ready");
            }
            catch (ApiException e) when (e.IsNotFound)
            {
            }
            catch (ApiException e) when (e.IsConflict)
            {
                ok = false;
            }
        }

        return ok;
    }

    /// <summary>Queues a not Ready node for its NoExecute taint (swapping at once between unreachable and not-ready
    /// when it already has the other), or untaints a Ready one.</summary>
    private async Task ProcessTaintBasedEvictionAsync(V1Node node, V1NodeCondition ready, string zone, CancellationToken cancellationToken)
    {
        var name = node.Metadata.Name;
        switch (ready.Status)
        {
            case "False" or "Unknown":
                var (key, other) = ready.Status == "False" ? (NodeTaints.NotReady, NodeTaints.Unreachable) : (NodeTaints.Unreachable, NodeTaints.NotReady);
                if (NodeTaints.Has(node, other, NodeTaints.NoExecute))
                {
                    await SwapNoExecuteAsync(name, key, other, cancellationToken);
                }
                else if (!NodeTaints.Has(node, key, NodeTaints.NoExecute))
                {
                    _zoneTainters[zone].Add(name);
                }

                break;
            default:
                await MarkReachableAsync(node, cancellationToken);
                break;
        }
    }

    private async Task MarkReachableAsync(V1Node node, CancellationToken cancellationToken)
    {
        var name = node.Metadata.Name;
        if (_zoneTainters.TryGetValue(Zones.KeyOf(node), out var queue))
        {
            queue.Remove(name);
        }

        if (NodeTaints.Has(node, NodeTaints.Unreachable, NodeTaints.NoExecute) || NodeTaints.Has(node, NodeTaints.NotReady, NodeTaints.NoExecute))
        {
            await NodeTaints.SwapAsync(_api, name, [], IsNoExecuteHealthTaint, _time.GetUtcNow(), cancellationToken);
        }
    }

    private static bool IsNoExecuteHealthTaint(V1Taint t) => t.Effect == NodeTaints.NoExecute && t.Key is NodeTaints.Unreachable or NodeTaints.NotReady;

    private Task<bool> SwapNoExecuteAsync(string name, string add, string remove, CancellationToken cancellationToken) =>
        NodeTaints.SwapAsync(_api, name, [(add, NodeTaints.NoExecute)], t => t.Effect == NodeTaints.NoExecute && t.Key == remove, _time.GetUtcNow(), cancellationToken);

    /// <summary>Upstream's handleDisruption: each zone's state sets its tainting rate; when every zone is fully
    /// disrupted, tainting stops and the NoExecute taints are lifted; when that ends, every node is given a fresh
    /// grace period.</summary>
    private async Task HandleDisruptionAsync(Dictionary<string, List<V1NodeCondition?>> zoneConditions, List<V1Node> nodes, CancellationToken cancellationToken)
    {
        var newStates = zoneConditions.ToDictionary(z => z.Key, z => Zones.Compute(z.Value, _options.UnhealthyZoneThreshold), StringComparer.Ordinal);
        var allAreFullyDisrupted = newStates.Count > 0 && newStates.Values.All(s => s == ZoneState.FullDisruption);
        foreach (var gone in _zoneStates.Keys.Where(z => !zoneConditions.ContainsKey(z)).ToList())
        {
            _zoneStates.Remove(gone);
            _zoneTainters.Remove(gone);
        }

        var allWereFullyDisrupted = _zoneStates.Values.All(s => s == ZoneState.FullDisruption);
        if (allAreFullyDisrupted && allWereFullyDisrupted)
        {
            return;
        }

        if (allAreFullyDisrupted)
        {
            _logger.LogWarning("no node is Ready in any zone: the control plane is likely the one cut off; NoExecute tainting stops");
            foreach (var node in nodes)
            {
                await MarkReachableAsync(node, cancellationToken);
            }

            foreach (var zone in _zoneStates.Keys.ToList())
            {
                _zoneTainters[zone].SwapLimiter(0);
                _zoneStates[zone] = ZoneState.FullDisruption;
            }

            return;
        }

        if (allWereFullyDisrupted && _zoneStates.Count > 0)
        {
            var now = _time.GetUtcNow();
            foreach (var health in _health.Values)
            {
                health.ProbeTimestamp = now;
            }
        }

        foreach (var (zone, state) in newStates)
        {
            if (_zoneStates.TryGetValue(zone, out var old) && old == state && !allWereFullyDisrupted)
            {
                continue;
            }

            _zoneTainters[zone].SwapLimiter(state switch
            {
                ZoneState.PartialDisruption => zoneConditions[zone].Count > _options.LargeClusterThreshold ? _options.SecondaryEvictionRate : 0,
                _ => _options.EvictionRate,
            });
            _zoneStates[zone] = state;
        }
    }

    private async Task EveryAsync(TimeSpan period, Func<CancellationToken, Task> pass, string what, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(period, _time);
        try
        {
            do
            {
                try
                {
                    await pass(cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogWarning(e, "{What} pass failed", what);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
