using k8s.Models;
using Skiff.Client.Informers;

namespace Skiff.Kubelet.Nodes;

/// <summary>
/// The node's pod subnet as the cluster decided it: <c>spec.podCIDR</c> of its Node, written by the controller
/// manager's node IPAM controller after registration (or by this kubelet at registration from <c>--pod-cidr</c>).
/// Upstream's kubelet likewise waits for it before it configures the runtime's pod network.
/// </summary>
public static class NodePodCidr
{
    /// <summary>Completes with <c>spec.podCIDR</c> of node <paramref name="nodeName"/> as soon as the informer sees
    /// one (at once when the cache already holds it).</summary>
    public static async Task<string> WaitAsync(SharedInformer<V1Node> nodes, string nodeName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check(V1Node node)
        {
            if (node.Metadata.Name == nodeName && Of(node) is { } cidr)
            {
                found.TrySetResult(cidr);
            }
        }

        using var registration = nodes.AddEventHandler(ResourceEventHandler<V1Node>.ForAny(Check));
        if (nodes.Cache.Get(null, nodeName) is { } cached)
        {
            Check(cached);
        }

        return await found.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The node's first pod range (<c>podCIDRs[0]</c>, else <c>podCIDR</c>); null when it has none yet.</summary>
    public static string? Of(V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Spec?.PodCIDRs is { Count: > 0 } cidrs && !string.IsNullOrEmpty(cidrs[0]))
        {
            return cidrs[0];
        }

        return string.IsNullOrEmpty(node.Spec?.PodCIDR) ? null : node.Spec.PodCIDR;
    }
}
