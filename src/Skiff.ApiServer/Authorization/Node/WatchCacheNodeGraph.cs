using k8s.Models;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Watch;

namespace Skiff.ApiServer.Authorization.Node;

/// <summary>
/// The node-to-pod edges read from the API server's pod watch cache at the moment of the request: pods are picked
/// by their cached <c>spec.nodeName</c> field without decoding, and only the node's own pods in the namespace are
/// decoded. Upstream keeps a graph updated by informer events instead; a scan of one namespace answers the same
/// question without a second copy of every pod, and nodes ask it only when they read a Secret, ConfigMap, claim
/// or service account (once per pod start with the kubelet's get strategy).
/// </summary>
public sealed class WatchCacheNodeGraph : INodeGraph
{
    private readonly ResourceWatchCache _pods;
    private readonly Apimachinery.ResourceDefinition _def;

    public WatchCacheNodeGraph(WatchCacheHub hub, ResourceIndex index)
    {
        _def = index.Find(string.Empty, "v1", "pods") ?? throw new InvalidOperationException("pods are not served");
        _pods = hub.For(_def);
    }

    public IEnumerable<V1Pod> PodsOn(string node, string ns) =>
        _pods.Snapshot(_def.StoragePrefixFor(ns), o => o.Fields.TryGetValue("spec.nodeName", out var n) && n == node)
            .Select(o => (V1Pod)o.Decode());
}
