using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Events;
using Skiff.Client.Informers;
using Skiff.Client.Queue;

namespace Skiff.Controllers.NodeIpam;

/// <summary>
/// The node IPAM controller with upstream's range allocator (pkg/controller/nodeipam/ipam/range_allocator.go): each
/// Node without a pod range gets the next free <c>/maskSize</c> block of the cluster CIDR in <c>spec.podCIDR</c> and
/// <c>spec.podCIDRs</c>. At start the used set is rebuilt from every Node (a range already on a node, set by this
/// controller before a restart or by a kubelet's <c>--pod-cidr</c>, is marked used, never handed out again); a
/// deleted Node's range is released; when the range is exhausted the node gets a <c>CIDRNotAvailable</c> event and
/// is retried with back-off.
/// </summary>
public sealed class NodeIpamController : IDisposable
{
    public const string ReasonCidrNotAvailable = "CIDRNotAvailable";
    public const string ReasonCidrAssignmentFailed = "CIDRAssignmentFailed";

    private readonly IApiClient _api;
    private readonly ILogger _logger;
    private readonly IEventRecorder _events;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly IHandlerRegistration _registration;
    private readonly CidrSet _cidrs;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _rebuilt = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NodeIpamController(ComponentContext context, string clusterCidr, int nodeMaskSize)
    {
        ArgumentNullException.ThrowIfNull(context);
        _cidrs = new CidrSet(clusterCidr, nodeMaskSize);
        _api = context.Api;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.NodeIpam");
        _events = context.Events.NewRecorder("cidrAllocator");
        _nodes = context.Informers.Get<V1Node>();
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(context.Time), context.Time, "node-ipam");
        _registration = _nodes.AddEventHandler(new ResourceEventHandler<V1Node>
        {
            Added = (node, _) => OnNodeSeen(node),
            Updated = (_, node) => OnNodeSeen(node),
            Deleted = (node, _) => OnNodeDeleted(node),
        });
    }

    public WorkQueue<string> Queue { get; }

    /// <summary>Blocks of the cluster range in use (for tests and logs).</summary>
    public int UsedCount
    {
        get
        {
            lock (_gate)
            {
                return _cidrs.UsedCount;
            }
        }
    }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await _nodes.WaitForSyncAsync(cancellationToken);
        Rebuild();
        await QueueWorkers.RunAsync(Queue, workers, SyncAsync, _logger, cancellationToken);
    }

    /// <summary>Marks the range of every Node in the cache used (upstream's allocator does this from a node list
    /// before it handles any event), then queues the nodes that still have none.</summary>
    public void Rebuild()
    {
        var nodes = _nodes.Cache.List();
        lock (_gate)
        {
            foreach (var node in nodes)
            {
                Occupy(node);
            }
        }

        _rebuilt.TrySetResult();
        foreach (var node in nodes.Where(n => !HasRange(n)))
        {
            Queue.Add(node.Metadata.Name);
        }
    }

    /// <summary>Gives node <paramref name="name"/> a range unless it has one.</summary>
    public async Task SyncAsync(string name, CancellationToken cancellationToken)
    {
        await _rebuilt.Task.WaitAsync(cancellationToken);
        var cached = _nodes.Cache.Get(null, name);
        if (cached is null)
        {
            return;
        }

        if (HasRange(cached))
        {
            lock (_gate)
            {
                Occupy(cached);
            }

            return;
        }

        // The cache may lag behind our own patch of a moment ago: ask the API before handing out a second range.
        var node = await _api.GetAsync<V1Node>(null, name, cancellationToken);
        if (node is null)
        {
            return;
        }

        if (HasRange(node))
        {
            lock (_gate)
            {
                Occupy(node);
            }

            return;
        }

        string? cidr;
        lock (_gate)
        {
            cidr = _cidrs.AllocateNext();
        }

        if (cidr is null)
        {
            _events.Event(NodeReference(node), EventTypes.Normal, ReasonCidrNotAvailable, $"Node {name} status is now: {ReasonCidrNotAvailable}");
            throw new InvalidOperationException($"no pod range left in the cluster CIDR for node {name}: all {_cidrs.Capacity} /{_cidrs.NodeMaskSize} blocks are used");
        }

        try
        {
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["uid"] = node.Metadata.Uid },
                ["spec"] = new JsonObject { ["podCIDR"] = cidr, ["podCIDRs"] = new JsonArray(cidr) },
            };
            await _api.PatchAsync<V1Node>(null, name, ApiPatch.StrategicMerge(patch.ToJsonString()), cancellationToken);
            _logger.LogInformation("node {Node} gets pod range {Cidr}", name, cidr);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            lock (_gate)
            {
                _cidrs.Release(cidr);
            }

            if (e is ApiException { IsNotFound: true })
            {
                return;
            }

            _events.Event(NodeReference(node), EventTypes.Warning, ReasonCidrAssignmentFailed, $"Node {name} status is now: {ReasonCidrAssignmentFailed}");
            throw;
        }
    }

    public void Dispose()
    {
        _registration.Dispose();
        Queue.Dispose();
    }

    private void OnNodeSeen(V1Node node)
    {
        if (HasRange(node))
        {
            if (_rebuilt.Task.IsCompleted)
            {
                lock (_gate)
                {
                    Occupy(node);
                }
            }

            return;
        }

        Queue.Add(node.Metadata.Name);
    }

    private void OnNodeDeleted(V1Node node)
    {
        // Another node may claim the same range (two kubelets given the same --pod-cidr): keep it used then.
        var stillUsed = _nodes.Cache.List()
            .Where(n => n.Metadata.Name != node.Metadata.Name)
            .SelectMany(Ranges)
            .ToHashSet(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (var cidr in Ranges(node).Where(c => !stillUsed.Contains(c)))
            {
                if (_cidrs.Release(cidr))
                {
                    _logger.LogInformation("released pod range {Cidr} of deleted node {Node}", cidr, node.Metadata.Name);
                }
            }
        }
    }

    private void Occupy(V1Node node)
    {
        foreach (var cidr in Ranges(node))
        {
            _cidrs.Occupy(cidr);
        }
    }

    private static bool HasRange(V1Node node) => Ranges(node).Any();

    private static IEnumerable<string> Ranges(V1Node node)
    {
        if (node.Spec?.PodCIDRs is { Count: > 0 } cidrs)
        {
            return cidrs.Where(c => !string.IsNullOrEmpty(c));
        }

        return string.IsNullOrEmpty(node.Spec?.PodCIDR) ? [] : [node.Spec.PodCIDR];
    }

    /// <summary>Upstream's node events refer to the node with its name as uid.</summary>
    private static V1ObjectReference NodeReference(V1Node node) =>
        new() { Kind = "Node", ApiVersion = "v1", Name = node.Metadata.Name, Uid = node.Metadata.Name };
}
