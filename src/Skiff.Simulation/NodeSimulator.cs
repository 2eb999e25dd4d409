using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Leases;
using Skiff.Client.Queue;

namespace Skiff.Simulation;

/// <summary>
/// The simulated nodes' kubelet-side node work, one queue for all of them: register each Node (or adopt an existing
/// one), renew its Lease in kube-node-lease every <see cref="SimulationOptions.LeaseRenewInterval"/> from the Lease it
/// last wrote (no read), and post its status every <see cref="SimulationOptions.NodeStatusReportFrequency"/>. The
/// first renewal and report of each node are spread over their interval so that 5,000 nodes do not renew at once.
/// </summary>
internal sealed class NodeSimulator
{
    private readonly SimulationOptions _options;
    private readonly IApiClient _api;
    private readonly IReadOnlyCache<V1Node> _nodes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, SimulatedNode> _simulated = new(StringComparer.Ordinal);

    public NodeSimulator(SimulationOptions options, IApiClient api, IReadOnlyCache<V1Node> nodes, TimeProvider time, ILogger logger)
    {
        _options = options;
        _api = api;
        _nodes = nodes;
        _time = time;
        _logger = logger;
        Queue = new WorkQueue<string>(new ExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(10)), time, "simulated-nodes");
        var clusterCidr = Ipv4Cidr.Parse(options.ClusterCidr);
        var nodeIps = Ipv4Cidr.Parse(options.NodeIpRange);
        for (var i = 0; i < options.Count; i++)
        {
            var name = options.NodeName(i);
            _simulated[name] = new SimulatedNode(name, i, nodeIps.Address(i + 1), clusterCidr.Subnet24(i));
        }
    }

    public WorkQueue<string> Queue { get; }

    /// <summary>The simulated node called <paramref name="name"/>, or null for any other node.</summary>
    public SimulatedNode? Find(string? name) =>
        name is not null && _simulated.TryGetValue(name, out var node) ? node : null;

    /// <summary>Queues every node for registration.</summary>
    public void Start()
    {
        foreach (var name in _simulated.Keys.Order(StringComparer.Ordinal))
        {
            Queue.Add(name);
        }
    }

    /// <summary>Does whatever is due for the node (register, renew the Lease, report status) and queues it again for
    /// the next due time.</summary>
    public async Task SyncAsync(string name, CancellationToken cancellationToken)
    {
        if (Find(name) is not { } node)
        {
            return;
        }

        var now = _time.GetUtcNow();
        if (!node.Registered)
        {
            await RegisterAsync(node, now, cancellationToken);
            node.LeaseDue = now;
            node.LeaseRenewals = 0;
            node.StatusDue = now + Spread(_options.NodeStatusReportFrequency, node.Index, 0.5);
        }

        if (now >= node.LeaseDue)
        {
            await RenewLeaseAsync(node, now, cancellationToken);
            // The first renewal after registration lands somewhere in the interval, later ones one interval apart.
            node.LeaseDue = now + (node.LeaseRenewals++ == 0 ? Spread(_options.LeaseRenewInterval, node.Index, 0.2) : _options.LeaseRenewInterval);
        }

        if (now >= node.StatusDue)
        {
            await PostStatusAsync(node, now, cancellationToken);
            node.StatusDue = now + _options.NodeStatusReportFrequency;
        }

        var next = (node.LeaseDue < node.StatusDue ? node.LeaseDue : node.StatusDue) - _time.GetUtcNow();
        Queue.AddAfter(name, next);
    }

    /// <summary>A share of <paramref name="interval"/> between <paramref name="minimumShare"/> and 1 that differs
    /// from node to node (golden-ratio sequence: evenly spread for any number of nodes).</summary>
    internal static TimeSpan Spread(TimeSpan interval, int index, double minimumShare)
    {
        var fraction = (index * 0.6180339887498949) % 1.0;
        return interval * (minimumShare + ((1 - minimumShare) * fraction));
    }

    private async Task RegisterAsync(SimulatedNode node, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var desired = NodeTemplate.NewNode(node, _options, now);
        V1Node registered;
        try
        {
            registered = await _api.CreateAsync(desired, cancellationToken);
        }
        catch (ApiException e) when (e.IsAlreadyExists)
        {
            registered = await AdoptAsync(node, desired, cancellationToken);
        }

        node.Uid = registered.Metadata.Uid;
        if (registered.Spec?.PodCIDR is { Length: > 0 } cidr)
        {
            node.UsePodCidr(Ipv4Cidr.Parse(cidr));
        }

        // Status sent with a create may be dropped (status is a subresource): post it unless it was kept.
        if (!NodeTemplate.IsReady(registered.Status))
        {
            await _api.PatchAsync<V1Node>(null, node.Name, StatusPatch.Of(NodeTemplate.Status(registered.Status, node, _options, now)), cancellationToken, "status");
        }

        node.Registered = true;
        _logger.LogDebug("registered simulated node {Node}", node.Name);
    }

    /// <summary>An existing Node of this name (from an earlier run): add the labels and annotations it lacks, keep
    /// everything else, in particular its pod range and whether it is cordoned.</summary>
    private async Task<V1Node> AdoptAsync(SimulatedNode node, V1Node desired, CancellationToken cancellationToken)
    {
        var existing = await _api.GetAsync<V1Node>(null, node.Name, cancellationToken)
            ?? throw new InvalidOperationException($"node {node.Name} exists and vanished; retrying");
        var changed = false;
        existing.Metadata.Labels ??= new Dictionary<string, string>();
        foreach (var (key, value) in desired.Metadata.Labels)
        {
            changed |= existing.Metadata.Labels.TryAdd(key, value);
        }

        existing.Metadata.Annotations ??= new Dictionary<string, string>();
        foreach (var (key, value) in desired.Metadata.Annotations)
        {
            changed |= existing.Metadata.Annotations.TryAdd(key, value);
        }

        existing.Spec ??= new V1NodeSpec();
        if (string.IsNullOrEmpty(existing.Spec.PodCIDR))
        {
            existing.Spec.PodCIDR = desired.Spec.PodCIDR;
            existing.Spec.PodCIDRs = desired.Spec.PodCIDRs;
            changed = true;
        }

        return changed ? await _api.UpdateAsync(existing, cancellationToken) : existing;
    }

    private async Task RenewLeaseAsync(SimulatedNode node, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lease = node.Lease ?? await _api.GetAsync<V1Lease>(SimulationOptions.LeaseNamespace, node.Name, cancellationToken);
        var create = lease is null;
        lease ??= new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new V1ObjectMeta { Name = node.Name, NamespaceProperty = SimulationOptions.LeaseNamespace },
        };
        LeaseRecord.Hold(lease, node.Name, _options.LeaseDuration, now);
        if (node.Uid is not null && lease.Metadata.OwnerReferences is not { Count: > 0 })
        {
            lease.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node.Name, Uid = node.Uid }];
        }

        try
        {
            node.Lease = create ? await _api.CreateAsync(lease, cancellationToken) : await _api.UpdateAsync(lease, cancellationToken);
        }
        catch (ApiException e) when (e.IsConflict || e.IsAlreadyExists || e.IsNotFound)
        {
            // Someone else wrote or removed it: read it again on the retry.
            node.Lease = null;
            throw;
        }
    }

    private async Task PostStatusAsync(SimulatedNode node, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var current = _nodes.Get(null, node.Name) ?? await _api.GetAsync<V1Node>(null, node.Name, cancellationToken);
        if (current is null)
        {
            // Deleted: register it again, as a kubelet does.
            _logger.LogInformation("simulated node {Node} was deleted; registering it again", node.Name);
            node.Registered = false;
            node.Lease = null;
            await RegisterAsync(node, now, cancellationToken);
            return;
        }

        try
        {
            await _api.PatchAsync<V1Node>(null, node.Name, StatusPatch.Of(NodeTemplate.Status(current.Status, node, _options, now)), cancellationToken, "status");
        }
        catch (ApiException e) when (e.IsNotFound)
        {
            node.Registered = false;
            node.Lease = null;
            throw;
        }
    }
}
