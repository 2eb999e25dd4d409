using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Leases;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Nodes;

/// <summary>
/// Registers the Node, then every <see cref="KubeletOptions.NodeStatusUpdateFrequency"/> posts its status through
/// nodes/status and renews its Lease in kube-node-lease. The Node is read from the shared node informer's cache
/// (<paramref name="nodes"/>), and again from the API only after a conflict. Records the kubelet's node events.
/// </summary>
public sealed class NodeAgent(
    IApiClient api,
    IReadOnlyCache<V1Node> nodes,
    IEventRecorder recorder,
    IRuntimeService runtime,
    NodeStatusBuilder builder,
    KubeletOptions options,
    TimeProvider time,
    ILogger<NodeAgent> logger)
{
    public const string LeaseNamespace = "kube-node-lease";
    public const int LeaseDurationSeconds = 40;

    /// <summary>The registered Node's uid, for owner references; set once <see cref="RegisterAsync"/> succeeded.</summary>
    public string? NodeUid { get; private set; }

    /// <summary>The condition statuses this kubelet last posted (type → status), to record their transitions; empty
    /// for a node this kubelet registers, so its first status records them all, as upstream's setters do.</summary>
    private Dictionary<string, string> postedConditions = new(StringComparer.Ordinal);

    /// <summary>The informer options of a kubelet's own Node.</summary>
    public static Client.Informers.InformerOptions ForNode(string nodeName) => new() { FieldSelector = $"metadata.name={nodeName}" };

    /// <summary>The node as events refer to it: upstream's kubelet uses the node name as its uid.</summary>
    private V1ObjectReference NodeReference => new() { Kind = "Node", ApiVersion = "v1", Name = builder.NodeName, Uid = builder.NodeName };

    /// <summary>Creates the Node, or brings an existing one up to date; retries until it succeeds or is cancelled.</summary>
    public async Task RegisterAsync(CancellationToken cancellationToken)
    {
        recorder.Event(NodeReference, EventTypes.Normal, "Starting", "Starting kubelet.");
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                await RegisterOnceAsync(cancellationToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "registering node {Node} failed; retrying in {Delay}", builder.NodeName, delay);
                await Task.Delay(delay, time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(7).Ticks));
            }
        }
    }

    /// <summary>Posts node status and renews the lease until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.NodeStatusUpdateFrequency, time);
        do
        {
            try
            {
                await UpdateStatusAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "updating status of node {Node} failed", builder.NodeName);
            }

            try
            {
                await RenewLeaseAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "renewing lease of node {Node} failed", builder.NodeName);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    private async Task RegisterOnceAsync(CancellationToken cancellationToken)
    {
        var (runtimeVersion, runtimeReady) = await RuntimeVersionAsync(cancellationToken);
        var existing = await api.GetAsync<V1Node>(null, builder.NodeName, cancellationToken);
        if (existing is null)
        {
            try
            {
                var created = await api.CreateAsync(builder.NewNode(runtimeVersion, runtimeReady), cancellationToken);
                NodeUid = created.Metadata.Uid;
                postedConditions = new Dictionary<string, string>(StringComparer.Ordinal);
                logger.LogInformation("registered node {Node}", builder.NodeName);
                // Status sent on create may be dropped by the server (status is a subresource); post it too.
                await UpdateStatusAsync(cancellationToken);
                return;
            }
            catch (ApiException e) when (e.IsAlreadyExists || e.IsConflict)
            {
                existing = await api.GetAsync<V1Node>(null, builder.NodeName, cancellationToken)
                    ?? throw new InvalidOperationException($"node {builder.NodeName} exists and vanished", e);
            }
        }

        if (builder.ApplyMetadataAndSpec(existing))
        {
            existing = await api.UpdateAsync(existing, cancellationToken);
        }

        NodeUid = existing.Metadata.Uid;
        postedConditions = (existing.Status?.Conditions ?? []).ToDictionary(c => c.Type, c => c.Status, StringComparer.Ordinal);
        logger.LogInformation("node {Node} was already registered; updated it", builder.NodeName);
        await UpdateStatusAsync(cancellationToken);
    }

    private async Task UpdateStatusAsync(CancellationToken cancellationToken)
    {
        var (runtimeVersion, runtimeReady) = await RuntimeVersionAsync(cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            // First from the informer's cache (a copy: the cache's objects are shared), after a conflict from the API.
            var cached = attempt == 0 ? nodes.Get(null, builder.NodeName) : null;
            var node = cached is not null ? ObjectCopy.Clone(cached) : await api.GetAsync<V1Node>(null, builder.NodeName, cancellationToken);
            if (node is null)
            {
                // Someone deleted our Node: register it again.
                await RegisterOnceAsync(cancellationToken);
                return;
            }

            NodeUid = node.Metadata.Uid;
            node.Status = builder.BuildStatus(node.Status, runtimeVersion, runtimeReady);
            try
            {
                await api.UpdateStatusAsync(node, cancellationToken);
                RecordConditionChanges(node.Status);
                return;
            }
            catch (ApiException e) when (e.IsConflict && attempt < 5)
            {
                // Stale resourceVersion: read again and retry.
            }
        }
    }

    private async Task RenewLeaseAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var duration = TimeSpan.FromSeconds(LeaseDurationSeconds);
        var lease = await api.GetAsync<V1Lease>(LeaseNamespace, builder.NodeName, cancellationToken);
        var create = lease is null;
        lease ??= new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new V1ObjectMeta { Name = builder.NodeName, NamespaceProperty = LeaseNamespace },
        };
        LeaseRecord.Hold(lease, builder.NodeName, duration, now);
        if (NodeUid is not null && lease.Metadata.OwnerReferences is not { Count: > 0 })
        {
            lease.Metadata.OwnerReferences =
            [
                new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = builder.NodeName, Uid = NodeUid },
            ];
        }

        if (create)
        {
            await api.CreateAsync(lease, cancellationToken);
        }
        else
        {
            await api.UpdateAsync(lease, cancellationToken);
        }
    }

    /// <summary>The node events upstream's kubelet records when a condition changes (pkg/kubelet/nodestatus
    /// setters): <c>NodeReady</c>/<c>NodeNotReady</c> and the pressure conditions' reasons.</summary>
    private void RecordConditionChanges(V1NodeStatus? posted)
    {
        foreach (var condition in posted?.Conditions ?? [])
        {
            if (postedConditions.TryGetValue(condition.Type, out var was) && was == condition.Status)
            {
                continue;
            }

            postedConditions[condition.Type] = condition.Status;

            var reason = (condition.Type, condition.Status) switch
            {
                ("Ready", "True") => "NodeReady",
                ("Ready", _) => "NodeNotReady",
                ("MemoryPressure", "True") => "NodeHasInsufficientMemory",
                ("MemoryPressure", _) => "NodeHasSufficientMemory",
                ("DiskPressure", "True") => "NodeHasDiskPressure",
                ("DiskPressure", _) => "NodeHasNoDiskPressure",
                ("PIDPressure", "True") => "NodeHasInsufficientPID",
                ("PIDPressure", _) => "NodeHasSufficientPID",
                _ => null,
            };
            if (reason is not null)
            {
                recorder.Event(NodeReference, EventTypes.Normal, reason, $"Node {builder.NodeName} status is now: {reason}");
            }
        }
    }

    private async Task<(string Version, bool Ready)> RuntimeVersionAsync(CancellationToken cancellationToken)
    {
        try
        {
            var version = await runtime.VersionAsync(cancellationToken);
            return ($"{version.RuntimeName}://{version.RuntimeVersion}", true);
        }
        catch (Grpc.Core.RpcException e)
        {
            logger.LogWarning("container runtime is not answering: {Error}", e.Status.Detail);
            return ("", false);
        }
    }
}
