using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Kubelet.Api;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Nodes;

/// <summary>
/// Registers the Node, then every <see cref="KubeletOptions.NodeStatusUpdateFrequency"/> posts its status through
/// nodes/status and renews its Lease in kube-node-lease.
/// </summary>
public sealed class NodeAgent(
    IKubeletApi api,
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

    /// <summary>Creates the Node, or brings an existing one up to date; retries until it succeeds or is cancelled.</summary>
    public async Task RegisterAsync(CancellationToken cancellationToken)
    {
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
        var existing = await api.GetNodeAsync(builder.NodeName, cancellationToken);
        if (existing is null)
        {
            try
            {
                var created = await api.CreateNodeAsync(builder.NewNode(runtimeVersion, runtimeReady), cancellationToken);
                NodeUid = created.Metadata.Uid;
                logger.LogInformation("registered node {Node}", builder.NodeName);
                // Status sent on create may be dropped by the server (status is a subresource); post it too.
                await UpdateStatusAsync(cancellationToken);
                return;
            }
            catch (KubeletApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                existing = await api.GetNodeAsync(builder.NodeName, cancellationToken)
                    ?? throw new InvalidOperationException($"node {builder.NodeName} exists and vanished", e);
            }
        }

        if (builder.ApplyMetadataAndSpec(existing))
        {
            existing = await api.ReplaceNodeAsync(existing, cancellationToken);
        }

        NodeUid = existing.Metadata.Uid;
        logger.LogInformation("node {Node} was already registered; updated it", builder.NodeName);
        await UpdateStatusAsync(cancellationToken);
    }

    private async Task UpdateStatusAsync(CancellationToken cancellationToken)
    {
        var (runtimeVersion, runtimeReady) = await RuntimeVersionAsync(cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var node = await api.GetNodeAsync(builder.NodeName, cancellationToken);
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
                await api.ReplaceNodeStatusAsync(node, cancellationToken);
                return;
            }
            catch (KubeletApiException e) when (e.IsConflict && attempt < 5)
            {
                // Stale resourceVersion: read again and retry.
            }
        }
    }

    private async Task RenewLeaseAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var lease = await api.GetLeaseAsync(LeaseNamespace, builder.NodeName, cancellationToken);
        if (lease is null)
        {
            lease = new V1Lease
            {
                ApiVersion = "coordination.k8s.io/v1",
                Kind = "Lease",
                Metadata = new V1ObjectMeta
                {
                    Name = builder.NodeName,
                    NamespaceProperty = LeaseNamespace,
                    OwnerReferences = NodeUid is null ? null :
                    [
                        new V1OwnerReference
                        {
                            ApiVersion = "v1", Kind = "Node", Name = builder.NodeName, Uid = NodeUid,
                        },
                    ],
                },
                Spec = new V1LeaseSpec
                {
                    HolderIdentity = builder.NodeName,
                    LeaseDurationSeconds = LeaseDurationSeconds,
                    RenewTime = now,
                },
            };
            await api.CreateLeaseAsync(lease, cancellationToken);
            return;
        }

        lease.Spec ??= new V1LeaseSpec();
        lease.Spec.HolderIdentity = builder.NodeName;
        lease.Spec.LeaseDurationSeconds = LeaseDurationSeconds;
        lease.Spec.RenewTime = now;
        if (NodeUid is not null && lease.Metadata.OwnerReferences is not { Count: > 0 })
        {
            lease.Metadata.OwnerReferences =
            [
                new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = builder.NodeName, Uid = NodeUid },
            ];
        }

        await api.ReplaceLeaseAsync(lease, cancellationToken);
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
