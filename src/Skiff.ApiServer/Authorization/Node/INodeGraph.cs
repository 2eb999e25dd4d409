using k8s.Models;

namespace Skiff.ApiServer.Authorization.Node;

/// <summary>The pods bound to a node, for the node authorizer's question "does a pod of this node use that object?".</summary>
public interface INodeGraph
{
    /// <summary>The pods in <paramref name="ns"/> whose <c>spec.nodeName</c> is <paramref name="node"/>.</summary>
    IEnumerable<V1Pod> PodsOn(string node, string ns);
}
