using k8s.Models;
using Skiff.ApiServer.Authorization;
using Skiff.ApiServer.Authorization.Node;

namespace Skiff.ApiServer.Tests.Authorization;

/// <summary>The node authorizer against a fake graph: reads follow the pods bound to the node, leases its own name,
/// everything else the system:node rules; users who are not nodes get no opinion.</summary>
public sealed class NodeAuthorizerTests
{
    private sealed class Graph(params V1Pod[] pods) : INodeGraph
    {
        public IEnumerable<V1Pod> PodsOn(string node, string ns) =>
            pods.Where(p => p.Spec.NodeName == node && p.Metadata.NamespaceProperty == ns);
    }

    private static readonly NodeAuthorizer Authorizer = new(new Graph(
        new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "team" },
            Spec = new V1PodSpec
            {
                NodeName = "n1",
                ServiceAccountName = "robot",
                Containers = [new V1Container { Name = "c", EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "settings" } }] }],
                Volumes =
                [
                    new V1Volume { Name = "v", Secret = new V1SecretVolumeSource { SecretName = "db" } },
                    new V1Volume { Name = "d", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data-web-0" } },
                ],
            },
        },
        new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "other", NamespaceProperty = "team" },
            Spec = new V1PodSpec
            {
                NodeName = "n2",
                Containers = [new V1Container { Name = "c", Env = [new V1EnvVar { Name = "K", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "n2-only", Key = "k" } } }] }],
            },
        }));

    private static AuthorizationAttributes Node(string verb, string resource, string name, string ns = "team", string group = "", string subresource = "") => new()
    {
        User = "system:node:n1",
        Groups = ["system:nodes", "system:authenticated"],
        Verb = verb,
        IsResourceRequest = true,
        ApiGroup = group,
        Resource = resource,
        Subresource = subresource,
        Namespace = ns,
        Name = name,
    };

    [Theory]
    [InlineData("get", "secrets", "db", "", true)]
    [InlineData("watch", "secrets", "db", "", true)]
    [InlineData("get", "configmaps", "settings", "", true)]
    [InlineData("get", "serviceaccounts", "robot", "", true)]
    [InlineData("create", "serviceaccounts", "robot", "token", true)]
    [InlineData("get", "secrets", "n2-only", "", false)]
    [InlineData("get", "secrets", "unused", "", false)]
    [InlineData("list", "secrets", "", "", false)]
    [InlineData("update", "secrets", "db", "", false)]
    [InlineData("create", "serviceaccounts", "default", "token", false)]
    [InlineData("get", "persistentvolumeclaims", "data-web-0", "", true)]
    [InlineData("get", "persistentvolumeclaims", "someone-elses", "", false)]
    [InlineData("list", "persistentvolumeclaims", "", "", false)]
    [InlineData("watch", "persistentvolumeclaims", "data-web-0", "", false)]
    [InlineData("update", "persistentvolumeclaims", "data-web-0", "", false)]
    public void Reads_follow_the_pods_bound_to_the_node(string verb, string resource, string name, string subresource, bool allowed) =>
        Assert.Equal(allowed ? Decision.Allow : Decision.NoOpinion, Authorizer.Authorize(Node(verb, resource, name, subresource: subresource)).Decision);

    [Fact]
    public void A_refused_read_says_why_as_upstream()
    {
        var (decision, reason) = Authorizer.Authorize(Node("get", "secrets", "n2-only"));
        Assert.Equal(Decision.NoOpinion, decision);
        Assert.Equal("no relationship found between node 'n1' and this object", reason);
    }

    [Theory]
    [InlineData("update", "n1", "kube-node-lease", true)]
    [InlineData("create", "", "kube-node-lease", true)]
    [InlineData("update", "n2", "kube-node-lease", false)]
    [InlineData("get", "n1", "kube-system", false)]
    [InlineData("list", "", "kube-node-lease", false)]
    public void Only_its_own_lease(string verb, string name, string ns, bool allowed) =>
        Assert.Equal(allowed ? Decision.Allow : Decision.NoOpinion, Authorizer.Authorize(Node(verb, "leases", name, ns, "coordination.k8s.io")).Decision);

    [Theory]
    [InlineData("get", "nodes", "", "n1", true)]
    [InlineData("patch", "nodes", "status", "n1", true)]
    [InlineData("watch", "pods", "", "", true)]
    [InlineData("patch", "pods", "status", "web", true)]
    [InlineData("create", "events", "", "", true)]
    [InlineData("delete", "services", "", "x", false)]
    [InlineData("create", "deployments", "", "", false)]
    public void Everything_else_follows_the_system_node_rules(string verb, string resource, string subresource, string name, bool allowed) =>
        Assert.Equal(allowed ? Decision.Allow : Decision.NoOpinion, Authorizer.Authorize(Node(verb, resource, name, subresource: subresource)).Decision);

    [Theory]
    [InlineData("list", "discovery.k8s.io", "endpointslices", "team", true)]
    [InlineData("watch", "networking.k8s.io", "networkpolicies", "team", true)]
    [InlineData("list", "", "namespaces", "", true)]
    [InlineData("get", "networking.k8s.io", "networkpolicies", "team", false)]
    [InlineData("create", "networking.k8s.io", "networkpolicies", "team", false)]
    [InlineData("delete", "", "namespaces", "", false)]
    [InlineData("update", "discovery.k8s.io", "endpointslices", "team", false)]
    public void The_node_proxy_and_policy_enforcer_may_only_list_and_watch_what_they_read(string verb, string group, string resource, string ns, bool allowed) =>
        Assert.Equal(allowed ? Decision.Allow : Decision.NoOpinion, Authorizer.Authorize(Node(verb, resource, string.Empty, ns, group)).Decision);

    [Fact]
    public void Users_who_are_not_nodes_get_no_opinion()
    {
        Assert.Equal(Decision.NoOpinion, Authorizer.Authorize(Node("get", "secrets", "db") with { Groups = ["system:authenticated"] }).Decision);
        Assert.Equal(Decision.NoOpinion, Authorizer.Authorize(Node("get", "nodes", "n1") with { User = "bob" }).Decision);
    }

    [Theory]
    [InlineData("metadata.name=db", "db")]
    [InlineData("metadata.name==db", "db")]
    [InlineData("metadata.name!=db", null)]
    [InlineData("metadata.name=db,metadata.namespace=x", null)]
    [InlineData("spec.nodeName=n1", null)]
    public void A_list_narrowed_to_one_name_is_about_that_object(string selector, string? name) =>
        Assert.Equal(name, RequestAttributes.NameFromFieldSelector(selector));
}
