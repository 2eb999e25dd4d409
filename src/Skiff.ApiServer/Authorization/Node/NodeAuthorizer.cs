using Skiff.ApiServer.Authorization.Rbac;

namespace Skiff.ApiServer.Authorization.Node;

/// <summary>
/// Upstream's Node authorizer (<c>--authorization-mode=Node</c>): a kubelet (<c>system:node:&lt;name&gt;</c> in
/// <c>system:nodes</c>) may read a Secret, ConfigMap, PersistentVolumeClaim or ServiceAccount (and request its
/// tokens) only when a pod bound to it uses that object, may touch only its own Lease in <c>kube-node-lease</c>,
/// and otherwise holds the rules of the <c>system:node</c> role, which NodeRestriction admission narrows to its own
/// Node and pods, plus the reads of the node's service proxy and NetworkPolicy enforcer
/// (<see cref="BootstrapPolicy.NodeNetworkingRules"/>). Anyone else: no opinion.
/// </summary>
public sealed class NodeAuthorizer : IAuthorizer, IRuleResolver
{
    private static readonly IReadOnlyList<k8s.Models.V1PolicyRule> NodeRules = [.. BootstrapPolicy.NodeRules(), .. BootstrapPolicy.NodeNetworkingRules()];
    private readonly INodeGraph _graph;

    public NodeAuthorizer(INodeGraph graph)
    {
        _graph = graph;
    }

    public (Decision Decision, string Reason) Authorize(AuthorizationAttributes a)
    {
        var (isNode, node) = NodeIdentity.Of(a.User, a.Groups);
        if (!isNode)
        {
            return (Decision.NoOpinion, string.Empty);
        }

        if (node.Length == 0)
        {
            return (Decision.NoOpinion, $"unknown node for user \"{a.User}\"");
        }

        if (a.IsResourceRequest && a.ApiGroup.Length == 0)
        {
            switch (a.Resource)
            {
                case "secrets":
                    return ReadRelated(a, node, p => PodReferences.Of(p).Secrets.Contains(a.Name));
                case "configmaps":
                    return ReadRelated(a, node, p => PodReferences.Of(p).ConfigMaps.Contains(a.Name));
                case "persistentvolumeclaims" when a.Subresource.Length == 0:
                    return a.Verb == "get"
                        ? Related(a, node, p => PodReferences.Of(p).PersistentVolumeClaims.Contains(a.Name))
                        : (Decision.NoOpinion, "can only get individual resources of this type");
                case "serviceaccounts":
                    if (a.Subresource == "token")
                    {
                        return a.Verb == "create"
                            ? Related(a, node, p => p.Spec?.ServiceAccountName == a.Name)
                            : (Decision.NoOpinion, "can only create tokens for individual service accounts");
                    }

                    return ReadRelated(a, node, p => p.Spec?.ServiceAccountName == a.Name);
            }
        }

        if (a.IsResourceRequest && a.ApiGroup == "coordination.k8s.io" && a.Resource == "leases")
        {
            return Lease(a, node);
        }

        foreach (var rule in NodeRules)
        {
            if (RuleMatcher.Allows(rule, a))
            {
                return (Decision.Allow, string.Empty);
            }
        }

        return (Decision.NoOpinion, string.Empty);
    }

    /// <summary>A node's permissions hang on its pods: upstream says so rather than listing them.</summary>
    public SubjectRules RulesFor(string user, IReadOnlyList<string> groups, string ns) =>
        NodeIdentity.Of(user, groups).IsNode
            ? new SubjectRules([], [], true, "node authorizer does not support user rule resolution")
            : SubjectRules.None;

    /// <summary>get, or list/watch narrowed to one object by <c>metadata.name</c>, of an object a pod of the node uses.</summary>
    private (Decision, string) ReadRelated(AuthorizationAttributes a, string node, Func<k8s.Models.V1Pod, bool> uses)
    {
        if (a.Verb is not ("get" or "list" or "watch"))
        {
            return (Decision.NoOpinion, "can only read resources of this type");
        }

        return Related(a, node, uses);
    }

    private (Decision, string) Related(AuthorizationAttributes a, string node, Func<k8s.Models.V1Pod, bool> uses)
    {
        if (a.Name.Length == 0)
        {
            return (Decision.NoOpinion, "No Object name found");
        }

        foreach (var pod in _graph.PodsOn(node, a.Namespace))
        {
            if (uses(pod))
            {
                return (Decision.Allow, string.Empty);
            }
        }

        return (Decision.NoOpinion, $"no relationship found between node '{node}' and this object");
    }

    private static (Decision, string) Lease(AuthorizationAttributes a, string node)
    {
        if (a.Verb is not ("get" or "create" or "update" or "patch" or "delete"))
        {
            return (Decision.NoOpinion, "can only get, create, update, patch, or delete a node lease");
        }

        if (a.Namespace != "kube-node-lease")
        {
            return (Decision.NoOpinion, "can only access leases in the kube-node-lease namespace");
        }

        if (a.Verb != "create" && a.Name != node)
        {
            return (Decision.NoOpinion, "can only access node lease with the same name as the requesting node");
        }

        return (Decision.Allow, string.Empty);
    }
}
