using k8s;
using k8s.Models;
using Skiff.ApiServer.Authorization;
using Skiff.ApiServer.Authorization.Rbac;

namespace Skiff.ApiServer.Tests.Authorization;

/// <summary>
/// For each default ClusterRole, allowed and denied requests as upstream's bootstrap policy grants them
/// (pkg/apis/rbac/bootstrappolicy/policy.go and testdata/cluster-roles.yaml, Kubernetes 1.32), checked through the
/// RBAC authorizer with the aggregated roles computed as the aggregation controller does.
/// </summary>
public sealed class BootstrapPolicyTableTests
{
    private static readonly IReadOnlyList<V1ClusterRole> Roles = Aggregated();

    [Theory]
    // cluster-admin: everything, resources and paths.
    [InlineData("cluster-admin", "delete", "", "nodes", "", "", true)]
    [InlineData("cluster-admin", "escalate", "rbac.authorization.k8s.io", "clusterroles", "", "", true)]
    [InlineData("cluster-admin", "get", "", "secrets", "", "kube-system", true)]
    // admin: everything in a namespace including roles, not nodes or cluster roles.
    [InlineData("admin", "create", "rbac.authorization.k8s.io", "rolebindings", "", "team", true)]
    [InlineData("admin", "create", "rbac.authorization.k8s.io", "roles", "", "team", true)]
    [InlineData("admin", "create", "authorization.k8s.io", "localsubjectaccessreviews", "", "team", true)]
    [InlineData("admin", "delete", "", "pods", "", "team", true)]
    [InlineData("admin", "get", "", "secrets", "", "team", true)]
    [InlineData("admin", "list", "", "pods", "", "team", true)]
    [InlineData("admin", "create", "rbac.authorization.k8s.io", "clusterroles", "", "", false)]
    [InlineData("admin", "list", "", "nodes", "", "", false)]
    [InlineData("admin", "create", "", "resourcequotas", "", "team", false)]
    // edit: write workloads and secrets, no RBAC, no quota writes.
    [InlineData("edit", "create", "apps", "deployments", "", "team", true)]
    [InlineData("edit", "update", "apps", "deployments", "scale", "team", true)]
    [InlineData("edit", "create", "", "pods", "exec", "team", true)]
    [InlineData("edit", "create", "", "pods", "eviction", "team", true)]
    [InlineData("edit", "create", "", "serviceaccounts", "token", "team", true)]
    [InlineData("edit", "impersonate", "", "serviceaccounts", "", "team", true)]
    [InlineData("edit", "deletecollection", "", "configmaps", "", "team", true)]
    [InlineData("edit", "get", "", "secrets", "", "team", true)]
    [InlineData("edit", "create", "batch", "jobs", "", "team", true)]
    [InlineData("edit", "create", "rbac.authorization.k8s.io", "roles", "", "team", false)]
    [InlineData("edit", "create", "rbac.authorization.k8s.io", "rolebindings", "", "team", false)]
    [InlineData("edit", "update", "", "resourcequotas", "", "team", false)]
    [InlineData("edit", "update", "", "namespaces", "", "", false)]
    // view: read, but not secrets, exec or RBAC.
    [InlineData("view", "list", "", "pods", "", "team", true)]
    [InlineData("view", "watch", "apps", "deployments", "", "team", true)]
    [InlineData("view", "get", "", "pods", "log", "team", true)]
    [InlineData("view", "get", "", "namespaces", "", "", true)]
    [InlineData("view", "list", "discovery.k8s.io", "endpointslices", "", "team", true)]
    [InlineData("view", "get", "", "secrets", "", "team", false)]
    [InlineData("view", "create", "", "pods", "exec", "team", false)]
    [InlineData("view", "create", "", "pods", "", "team", false)]
    [InlineData("view", "list", "rbac.authorization.k8s.io", "roles", "", "team", false)]
    [InlineData("view", "update", "apps", "deployments", "scale", "team", false)]
    // system:basic-user: only the self reviews.
    [InlineData("system:basic-user", "create", "authorization.k8s.io", "selfsubjectaccessreviews", "", "", true)]
    [InlineData("system:basic-user", "create", "authorization.k8s.io", "selfsubjectrulesreviews", "", "", true)]
    [InlineData("system:basic-user", "create", "authentication.k8s.io", "selfsubjectreviews", "", "", true)]
    [InlineData("system:basic-user", "create", "authorization.k8s.io", "subjectaccessreviews", "", "", false)]
    [InlineData("system:basic-user", "list", "", "pods", "", "default", false)]
    // system:node-proxier: services and endpoints to program, nodes to read, events to write.
    [InlineData("system:node-proxier", "watch", "", "services", "", "", true)]
    [InlineData("system:node-proxier", "list", "discovery.k8s.io", "endpointslices", "", "", true)]
    [InlineData("system:node-proxier", "get", "", "nodes", "", "", true)]
    [InlineData("system:node-proxier", "create", "events.k8s.io", "events", "", "default", true)]
    [InlineData("system:node-proxier", "get", "", "services", "", "default", false)]
    [InlineData("system:node-proxier", "list", "", "pods", "", "", false)]
    [InlineData("system:node-proxier", "get", "", "secrets", "", "default", false)]
    // system:kube-scheduler: binds pods, reads what placement needs, its own lease.
    [InlineData("system:kube-scheduler", "create", "", "pods", "binding", "default", true)]
    [InlineData("system:kube-scheduler", "create", "", "bindings", "", "default", true)]
    [InlineData("system:kube-scheduler", "patch", "", "pods", "status", "default", true)]
    [InlineData("system:kube-scheduler", "delete", "", "pods", "", "default", true)]
    [InlineData("system:kube-scheduler", "watch", "", "nodes", "", "", true)]
    [InlineData("system:kube-scheduler", "create", "coordination.k8s.io", "leases", "", "kube-system", true)]
    [InlineData("system:kube-scheduler", "list", "policy", "poddisruptionbudgets", "", "", true)]
    [InlineData("system:kube-scheduler", "create", "", "pods", "", "default", false)]
    [InlineData("system:kube-scheduler", "get", "", "secrets", "", "default", false)]
    // system:kubelet-api-admin: every kubelet API (nodes/proxy, stats, log, metrics), node reads, nothing else.
    [InlineData("system:kubelet-api-admin", "create", "", "nodes", "proxy", "", true)]
    [InlineData("system:kubelet-api-admin", "get", "", "nodes", "stats", "", true)]
    [InlineData("system:kubelet-api-admin", "get", "", "nodes", "log", "", true)]
    [InlineData("system:kubelet-api-admin", "get", "", "nodes", "metrics", "", true)]
    [InlineData("system:kubelet-api-admin", "list", "", "nodes", "", "", true)]
    [InlineData("system:kubelet-api-admin", "delete", "", "nodes", "", "", false)]
    [InlineData("system:kubelet-api-admin", "create", "", "pods", "exec", "default", false)]
    [InlineData("system:kubelet-api-admin", "get", "", "secrets", "", "default", false)]
    [InlineData("system:kube-scheduler", "update", "", "nodes", "", "", false)]
    // system:kube-controller-manager: lists and watches everything, writes little by itself (controllers have their own roles).
    [InlineData("system:kube-controller-manager", "list", "apps", "deployments", "", "", true)]
    [InlineData("system:kube-controller-manager", "watch", "", "secrets", "", "", true)]
    [InlineData("system:kube-controller-manager", "create", "", "serviceaccounts", "", "default", true)]
    [InlineData("system:kube-controller-manager", "create", "", "serviceaccounts", "token", "default", true)]
    [InlineData("system:kube-controller-manager", "create", "authentication.k8s.io", "tokenreviews", "", "", true)]
    [InlineData("system:kube-controller-manager", "create", "apps", "replicasets", "", "default", false)]
    [InlineData("system:kube-controller-manager", "delete", "", "pods", "", "default", false)]
    // system:kube-dns: services and endpoints, read only.
    [InlineData("system:kube-dns", "list", "", "services", "", "", true)]
    [InlineData("system:kube-dns", "watch", "", "endpoints", "", "", true)]
    [InlineData("system:kube-dns", "get", "", "services", "", "default", false)]
    [InlineData("system:kube-dns", "list", "", "pods", "", "", false)]
    // system:node: what a kubelet does (the Node authorizer narrows it later).
    [InlineData("system:node", "create", "", "nodes", "", "", true)]
    [InlineData("system:node", "patch", "", "nodes", "status", "", true)]
    [InlineData("system:node", "update", "coordination.k8s.io", "leases", "", "kube-node-lease", true)]
    [InlineData("system:node", "watch", "", "pods", "", "", true)]
    [InlineData("system:node", "update", "", "pods", "status", "default", true)]
    [InlineData("system:node", "create", "", "pods", "", "default", true)]
    [InlineData("system:node", "get", "", "secrets", "", "default", true)]
    [InlineData("system:node", "create", "", "serviceaccounts", "token", "default", true)]
    [InlineData("system:node", "delete", "", "nodes", "", "", false)]
    [InlineData("system:node", "update", "", "pods", "", "default", false)]
    [InlineData("system:node", "create", "", "secrets", "", "default", false)]
    [InlineData("system:node", "list", "rbac.authorization.k8s.io", "roles", "", "", false)]
    // controller roles.
    [InlineData("system:controller:deployment-controller", "create", "apps", "replicasets", "", "default", true)]
    [InlineData("system:controller:deployment-controller", "update", "apps", "deployments", "status", "default", true)]
    [InlineData("system:controller:deployment-controller", "create", "", "pods", "", "default", false)]
    [InlineData("system:controller:replicaset-controller", "create", "", "pods", "", "default", true)]
    [InlineData("system:controller:replicaset-controller", "update", "apps", "replicasets", "status", "default", true)]
    [InlineData("system:controller:replicaset-controller", "create", "apps", "deployments", "", "default", false)]
    [InlineData("system:controller:daemon-set-controller", "create", "apps", "controllerrevisions", "", "default", true)]
    [InlineData("system:controller:statefulset-controller", "update", "apps", "controllerrevisions", "", "default", true)]
    [InlineData("system:controller:statefulset-controller", "create", "", "pods", "", "default", true)]
    [InlineData("system:controller:statefulset-controller", "update", "apps", "statefulsets", "status", "default", true)]
    [InlineData("system:controller:statefulset-controller", "update", "apps", "statefulsets", "", "default", false)]
    [InlineData("system:controller:job-controller", "patch", "batch", "jobs", "status", "default", true)]
    [InlineData("system:controller:namespace-controller", "deletecollection", "apps", "deployments", "", "team", true)]
    [InlineData("system:controller:namespace-controller", "update", "", "namespaces", "finalize", "", true)]
    [InlineData("system:controller:node-controller", "delete", "", "pods", "", "default", true)]
    [InlineData("system:controller:node-controller", "create", "", "pods", "", "default", false)]
    [InlineData("system:controller:generic-garbage-collector", "delete", "apps", "replicasets", "", "default", true)]
    [InlineData("system:controller:generic-garbage-collector", "create", "apps", "replicasets", "", "default", false)]
    public void Default_cluster_roles_allow_what_upstream_allows(string role, string verb, string group, string resource, string subresource, string ns, bool allowed)
    {
        var attributes = new AuthorizationAttributes
        {
            User = "u", Groups = ["system:authenticated"], Verb = verb, IsResourceRequest = true,
            ApiGroup = group, Resource = resource, Subresource = subresource, Namespace = ns,
        };
        var authorizer = new RbacAuthorizer(new ListRbacObjects(Roles, [BindUser("u", role)]));
        Assert.Equal(allowed ? Decision.Allow : Decision.NoOpinion, authorizer.Authorize(attributes).Decision);
    }

    [Theory]
    [InlineData("system:discovery", "/apis/apps/v1", true)]
    [InlineData("system:discovery", "/openapi/v3", true)]
    [InlineData("system:discovery", "/metrics", false)]
    [InlineData("system:public-info-viewer", "/version", true)]
    [InlineData("system:public-info-viewer", "/healthz", true)]
    [InlineData("system:public-info-viewer", "/api", false)]
    [InlineData("system:monitoring", "/metrics", true)]
    [InlineData("view", "/api", false)]
    [InlineData("cluster-admin", "/anything/at/all", true)]
    public void Non_resource_paths_follow_the_policy(string role, string path, bool allowed)
    {
        var attributes = new AuthorizationAttributes { User = "u", Verb = "get", Path = path };
        var authorizer = new RbacAuthorizer(new ListRbacObjects(Roles, [BindUser("u", role)]));
        Assert.Equal(allowed ? Decision.Allow : Decision.NoOpinion, authorizer.Authorize(attributes).Decision);
    }

    [Fact]
    public void The_default_bindings_give_each_identity_its_role()
    {
        var chain = new AuthorizerChain([new RbacAuthorizer(new ListRbacObjects(Roles, BootstrapPolicy.ClusterRoleBindings()))]);
        Assert.True(chain.Allows(Resource("system:kube-scheduler", [], "create", "", "pods", "binding", "default")));
        Assert.True(chain.Allows(Resource("system:kube-proxy", [], "watch", "", "services", "", "")));
        Assert.True(chain.Allows(Resource("system:serviceaccount:kube-system:kube-dns", [], "list", "", "endpoints", "", "")));
        Assert.True(chain.Allows(Resource("system:serviceaccount:kube-system:replicaset-controller", [], "create", "", "pods", "", "team")));
        Assert.True(chain.Allows(Resource("anyone", ["system:authenticated"], "create", "authorization.k8s.io", "selfsubjectaccessreviews", "", "")));
        Assert.True(chain.Allows(Resource("admin", ["system:masters"], "delete", "", "nodes", "", "")));
        Assert.False(chain.Allows(Resource("anyone", ["system:authenticated"], "list", "", "pods", "", "default")));
        Assert.False(chain.Allows(Resource("system:kube-proxy", [], "list", "", "secrets", "", "")));
        // The controller manager's one identity holds the union of the controller roles.
        const string manager = "system:kube-controller-manager";
        Assert.True(chain.Allows(Resource(manager, [], "create", "apps", "replicasets", "", "team")));
        Assert.True(chain.Allows(Resource(manager, [], "create", "", "pods", "", "team")));
        Assert.True(chain.Allows(Resource(manager, [], "update", "", "namespaces", "finalize", "", "team")));
        Assert.True(chain.Allows(Resource(manager, [], "deletecollection", "apps", "deployments", "", "team")));
        Assert.True(chain.Allows(Resource(manager, [], "create", "", "configmaps", "", "team")));
        Assert.True(chain.Allows(Resource(manager, [], "update", "policy", "poddisruptionbudgets", "status", "team")));
        Assert.True(chain.Allows(Resource(manager, [], "create", "discovery.k8s.io", "endpointslices", "", "team")));
        Assert.True(chain.Allows(Resource(manager, [], "update", "coordination.k8s.io", "leases", "", "kube-system", "skiff-endpoint-controllers")));
        // The union is wide (the garbage collector's role updates and deletes anything, as upstream's does), but creates
        // stay with the controllers that need them and RBAC stays out of reach.
        Assert.False(chain.Allows(Resource(manager, [], "create", "", "nodes", "", "")));
        Assert.False(chain.Allows(Resource(manager, [], "escalate", "rbac.authorization.k8s.io", "clusterroles", "", "")));
        Assert.False(chain.Allows(Resource(manager, [], "create", "rbac.authorization.k8s.io", "clusterrolebindings", "", "")));
        Assert.False(chain.Allows(Resource(manager, [], "impersonate", "", "users", "", "")));
        // Cluster DNS reads what it serves, nothing else.
        Assert.True(chain.Allows(Resource("system:coredns", [], "watch", "", "services", "", "")));
        Assert.True(chain.Allows(Resource("system:coredns", [], "list", "discovery.k8s.io", "endpointslices", "", "")));
        Assert.False(chain.Allows(Resource("system:coredns", [], "get", "", "secrets", "", "default")));
        Assert.False(chain.Allows(Resource("system:coredns", [], "create", "", "services", "", "kube-system")));

        // The API server's kubelet-client certificate (no group) may use kubelets' API and nothing else.
        Assert.True(chain.Allows(Resource(BootstrapPolicy.KubeApiServerKubeletClient, ["system:authenticated"], "create", "", "nodes", "proxy", "", "n1")));
        Assert.True(chain.Allows(Resource(BootstrapPolicy.KubeApiServerKubeletClient, ["system:authenticated"], "get", "", "nodes", "stats", "", "n1")));
        Assert.False(chain.Allows(Resource(BootstrapPolicy.KubeApiServerKubeletClient, ["system:authenticated"], "get", "", "secrets", "", "default")));
    }

    [Fact]
    public void Aggregated_roles_hold_the_rules_of_the_roles_they_select()
    {
        var admin = Roles.Single(r => r.Metadata.Name == "admin");
        var edit = Roles.Single(r => r.Metadata.Name == "edit");
        var view = Roles.Single(r => r.Metadata.Name == "view");
        Assert.NotEmpty(view.Rules);
        Assert.True(edit.Rules.Count > view.Rules.Count);
        Assert.True(admin.Rules.Count > edit.Rules.Count);
    }

    [Fact]
    public void A_role_binding_grants_only_in_its_namespace_and_resource_names_narrow_a_rule()
    {
        var role = new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "reader", NamespaceProperty = "team" },
            Rules = [new V1PolicyRule { Verbs = ["get"], ApiGroups = [""], Resources = ["configmaps"], ResourceNames = ["settings"] }],
        };
        var binding = new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "bob-reads", NamespaceProperty = "team" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "reader" },
            Subjects = [new Rbacv1Subject { Kind = "User", ApiGroup = "rbac.authorization.k8s.io", Name = "bob" }],
        };
        var authorizer = new RbacAuthorizer(new ListRbacObjects([], [], [role], [binding]));
        Assert.Equal(Decision.Allow, authorizer.Authorize(Resource("bob", [], "get", "", "configmaps", "", "team", "settings")).Decision);
        Assert.Equal(Decision.NoOpinion, authorizer.Authorize(Resource("bob", [], "get", "", "configmaps", "", "team", "other")).Decision);
        Assert.Equal(Decision.NoOpinion, authorizer.Authorize(Resource("bob", [], "get", "", "configmaps", "", "elsewhere", "settings")).Decision);
        Assert.Equal(Decision.NoOpinion, authorizer.Authorize(Resource("alice", [], "get", "", "configmaps", "", "team", "settings")).Decision);
    }

    [Fact]
    public void The_forbidden_message_is_upstreams()
    {
        var a = Resource("bob", [], "list", "", "pods", "", "default");
        Assert.Equal("User \"bob\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"", a.ForbiddenDetail());
        var cluster = Resource("bob", [], "patch", "", "nodes", "status", "", "n1");
        Assert.Equal("User \"bob\" cannot patch resource \"nodes/status\" in API group \"\" at the cluster scope", cluster.ForbiddenDetail());
    }

    private static AuthorizationAttributes Resource(string user, string[] groups, string verb, string group, string resource, string sub, string ns, string name = "") => new()
    {
        User = user, Groups = groups, Verb = verb, IsResourceRequest = true, ApiGroup = group, Resource = resource, Subresource = sub,
        Namespace = ns, Name = name,
    };

    private static V1ClusterRoleBinding BindUser(string user, string role) => new()
    {
        Metadata = new V1ObjectMeta { Name = "test-" + role },
        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = role },
        Subjects = [new Rbacv1Subject { Kind = "User", ApiGroup = "rbac.authorization.k8s.io", Name = user }],
    };

    private static List<V1ClusterRole> Aggregated()
    {
        var roles = BootstrapPolicy.ClusterRoles().Select(r => KubernetesJson.Deserialize<V1ClusterRole>(KubernetesJson.Serialize(r))).ToList();
        for (var pass = 0; pass < 4; pass++)
        {
            foreach (var role in roles.Where(r => r.AggregationRule is not null))
            {
                role.Rules = BootstrapPolicy.Aggregate(role, roles);
            }
        }

        return roles;
    }

    private sealed class ListRbacObjects(
        IReadOnlyList<V1ClusterRole> clusterRoles, IReadOnlyList<V1ClusterRoleBinding> clusterRoleBindings,
        IReadOnlyList<V1Role>? roles = null, IReadOnlyList<V1RoleBinding>? roleBindings = null) : IRbacObjects
    {
        public long Version => 1;

        public IReadOnlyList<V1Role> Roles() => roles ?? [];

        public IReadOnlyList<V1ClusterRole> ClusterRoles() => clusterRoles;

        public IReadOnlyList<V1RoleBinding> RoleBindings() => roleBindings ?? [];

        public IReadOnlyList<V1ClusterRoleBinding> ClusterRoleBindings() => clusterRoleBindings;
    }
}
