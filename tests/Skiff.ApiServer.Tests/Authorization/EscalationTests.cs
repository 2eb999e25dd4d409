using k8s;
using k8s.Models;
using Skiff.Apimachinery;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Authorization;
using Skiff.ApiServer.Authorization.Rbac;
using Skiff.ApiServer.Authorization.Rbac.Escalation;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Tests.Authorization;

/// <summary>
/// Escalation prevention against fakes, as upstream's policybased RBAC storages: no granting of rules one does not
/// hold (upstream's message, compacted and sorted), unless in system:masters or allowed to escalate/bind (resourceNames
/// aware); an aggregationRule needs every right; garbage-collector-only updates pass.
/// </summary>
public sealed class EscalationTests
{
    private const string Rbac = "rbac.authorization.k8s.io";
    private static readonly IReadOnlyList<ResourceDefinition> All = ResourceCatalog.CreateBuiltIn().All;
    private static readonly UserInfo Bob = new("bob", []);

    private sealed class Objects : IRbacObjects, IClusterObjects
    {
        public List<V1Role> RoleList { get; } = [];

        public List<V1ClusterRole> ClusterRoleList { get; } = [];

        public List<V1RoleBinding> RoleBindingList { get; } = [];

        public List<V1ClusterRoleBinding> ClusterRoleBindingList { get; } = [];

        public long Version => RoleList.Count + ClusterRoleList.Count * 1000 + RoleBindingList.Count * 1_000_000 + ClusterRoleBindingList.Count * 1_000_000_000L;

        public IReadOnlyList<V1Role> Roles() => RoleList;

        public IReadOnlyList<V1ClusterRole> ClusterRoles() => ClusterRoleList;

        public IReadOnlyList<V1RoleBinding> RoleBindings() => RoleBindingList;

        public IReadOnlyList<V1ClusterRoleBinding> ClusterRoleBindings() => ClusterRoleBindingList;

        public IKubernetesObject<V1ObjectMeta>? Get(string group, string plural, string? ns, string name) => plural switch
        {
            "clusterroles" => ClusterRoleList.FirstOrDefault(r => r.Metadata.Name == name),
            "roles" => RoleList.FirstOrDefault(r => r.Metadata.Name == name && r.Metadata.NamespaceProperty == ns),
            _ => null,
        };

        public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> List(string group, string plural) => plural switch
        {
            "clusterroles" => ClusterRoleList,
            "roles" => RoleList,
            _ => [],
        };

        /// <summary>Binds <paramref name="user"/> to a new ClusterRole of <paramref name="rules"/>, in <paramref name="ns"/> or cluster-wide.</summary>
        public void Grant(string user, string? ns, params V1PolicyRule[] rules)
        {
            var name = "grant-" + (ClusterRoleList.Count + 1);
            ClusterRoleList.Add(new V1ClusterRole { Metadata = new V1ObjectMeta { Name = name }, Rules = rules });
            var subject = new Rbacv1Subject { Kind = "User", ApiGroup = Rbac, Name = user };
            var roleRef = new V1RoleRef { ApiGroup = Rbac, Kind = "ClusterRole", Name = name };
            if (ns is null)
            {
                ClusterRoleBindingList.Add(new V1ClusterRoleBinding { Metadata = new V1ObjectMeta { Name = name }, RoleRef = roleRef, Subjects = [subject] });
            }
            else
            {
                RoleBindingList.Add(new V1RoleBinding { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, RoleRef = roleRef, Subjects = [subject] });
            }
        }
    }

    private static V1PolicyRule Rule(string[] verbs, string group, string resource, params string[] names) =>
        new() { Verbs = verbs, ApiGroups = [group], Resources = [resource], ResourceNames = names.Length > 0 ? names : null };

    private static (RoleEscalationGuard Roles, BindingEscalationGuard Bindings) Guards(Objects objects)
    {
        var rbac = new RbacAuthorizer(objects);
        var checks = new EscalationChecks(rbac, new AuthorizerChain([rbac]));
        return (new RoleEscalationGuard(checks), new BindingEscalationGuard(checks));
    }

    private static AdmissionAttributes Write(Objects cluster, string plural, IKubernetesObject<V1ObjectMeta> obj, string ns = "", UserInfo? user = null,
        IKubernetesObject<V1ObjectMeta>? old = null) => new()
    {
        Operation = old is null ? AdmissionOperation.Create : AdmissionOperation.Update,
        Resource = All.First(d => d.Group == Rbac && d.Plural == plural),
        Namespace = ns,
        Name = obj.Metadata.Name,
        Object = obj,
        OldObject = old,
        User = user ?? Bob,
        Cluster = cluster,
    };

    private static V1ClusterRole ClusterRole(string name, params V1PolicyRule[] rules) => new() { ApiVersion = Rbac + "/v1", Kind = "ClusterRole", Metadata = new V1ObjectMeta { Name = name }, Rules = rules };

    private static V1Role Role(string name, string ns, params V1PolicyRule[] rules) => new() { ApiVersion = Rbac + "/v1", Kind = "Role", Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns }, Rules = rules };

    private static V1RoleBinding Binding(string name, string ns, string kind, string role) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        RoleRef = new V1RoleRef { ApiGroup = Rbac, Kind = kind, Name = role },
        Subjects = [new Rbacv1Subject { Kind = "User", ApiGroup = Rbac, Name = "carol" }],
    };

    private static string Refusal(Action check)
    {
        var e = Assert.Throws<ApiException>(check);
        Assert.Equal(403, e.Status.Code);
        Assert.Equal("Forbidden", e.Status.Reason);
        return e.Status.Message;
    }

    [Fact]
    public void A_cluster_role_with_rules_not_held_is_refused_with_upstreams_message()
    {
        var cluster = new Objects();
        cluster.Grant("bob", "team", Rule(["get", "list"], "", "pods"));
        var (roles, _) = Guards(cluster);
        var message = Refusal(() => roles.Check(Write(cluster, "clusterroles", ClusterRole("x", Rule(["get"], "", "secrets")))));
        Assert.Equal(
            "clusterroles.rbac.authorization.k8s.io \"x\" is forbidden: user \"bob\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n" +
            "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}",
            message);

        // Pods are held only in "team": cluster-wide they are missing too; verbs of one resource are merged, lines sorted.
        message = Refusal(() => roles.Check(Write(cluster, "clusterroles", ClusterRole("y",
            new V1PolicyRule { Verbs = ["get", "list"], ApiGroups = ["", "apps"], Resources = ["pods"] },
            new V1PolicyRule { Verbs = ["get"], NonResourceURLs = ["/logs"] },
            Rule(["get"], "", "configmaps", "cm1")))));
        Assert.EndsWith(
            "not currently held:\n" +
            "{APIGroups:[\"\"], Resources:[\"configmaps\"], ResourceNames:[\"cm1\"], Verbs:[\"get\"]}\n" +
            "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\" \"list\"]}\n" +
            "{APIGroups:[\"apps\"], Resources:[\"pods\"], Verbs:[\"get\" \"list\"]}\n" +
            "{NonResourceURLs:[\"/logs\"], Verbs:[\"get\"]}",
            message);
    }

    [Fact]
    public void A_role_with_rules_held_in_its_namespace_passes_and_elsewhere_is_refused()
    {
        var cluster = new Objects();
        cluster.Grant("bob", "team", Rule(["get", "list", "watch"], "", "pods"), Rule(["get"], "", "secrets", "db"));
        var (roles, _) = Guards(cluster);
        roles.Check(Write(cluster, "roles", Role("reader", "team", Rule(["get", "list"], "", "pods"), Rule(["get"], "", "secrets", "db")), "team"));
        var message = Refusal(() => roles.Check(Write(cluster, "roles", Role("reader", "other", Rule(["get"], "", "pods")), "other")));
        Assert.StartsWith("roles.rbac.authorization.k8s.io \"reader\" is forbidden: user \"bob\"", message, StringComparison.Ordinal);

        // A rule for every secret is more than a rule for the secret "db".
        Refusal(() => roles.Check(Write(cluster, "roles", Role("all-secrets", "team", Rule(["get"], "", "secrets")), "team")));
    }

    [Fact]
    public void Masters_and_users_allowed_to_escalate_are_not_checked()
    {
        var cluster = new Objects();
        var (roles, _) = Guards(cluster);
        var everything = ClusterRole("god", new V1PolicyRule { Verbs = ["*"], ApiGroups = ["*"], Resources = ["*"] });
        roles.Check(Write(cluster, "clusterroles", everything, user: new UserInfo("admin", ["system:masters"])));
        Refusal(() => roles.Check(Write(cluster, "clusterroles", everything)));

        cluster.Grant("bob", null, Rule(["escalate"], Rbac, "clusterroles"));
        roles.Check(Write(cluster, "clusterroles", everything));
    }

    [Fact]
    public void Wildcards_and_subresource_wildcards_cover_specific_rules()
    {
        var cluster = new Objects();
        cluster.Grant("bob", null,
            new V1PolicyRule { Verbs = ["*"], ApiGroups = ["apps"], Resources = ["*/scale"] },
            new V1PolicyRule { Verbs = ["get"], NonResourceURLs = ["/healthz/*"] },
            new V1PolicyRule { Verbs = ["*"], ApiGroups = ["*"], Resources = ["configmaps"] });
        var (roles, _) = Guards(cluster);
        roles.Check(Write(cluster, "clusterroles", ClusterRole("ok",
            Rule(["update", "patch"], "apps", "deployments/scale"),
            Rule(["get", "delete"], "batch", "configmaps", "a", "b"),
            new V1PolicyRule { Verbs = ["get"], NonResourceURLs = ["/healthz/etcd"] })));
        Refusal(() => roles.Check(Write(cluster, "clusterroles", ClusterRole("no", Rule(["update"], "apps", "deployments")))));
    }

    [Fact]
    public void An_aggregation_rule_needs_every_right_even_when_removed()
    {
        var cluster = new Objects();
        cluster.Grant("bob", null, Rule(["get"], "", "pods"));
        var (roles, _) = Guards(cluster);
        var aggregated = ClusterRole("agg");
        aggregated.AggregationRule = new V1AggregationRule { ClusterRoleSelectors = [new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["a"] = "b" } }] };
        Assert.Equal("clusterroles.rbac.authorization.k8s.io \"agg\" is forbidden: must have cluster-admin privileges to use the aggregationRule",
            Refusal(() => roles.Check(Write(cluster, "clusterroles", aggregated))));
        Refusal(() => roles.Check(Write(cluster, "clusterroles", ClusterRole("agg", Rule(["get"], "", "pods")), old: aggregated)));
    }

    [Fact]
    public void An_update_of_only_owner_references_and_finalizers_passes()
    {
        var cluster = new Objects();
        var (roles, bindings) = Guards(cluster);
        var old = ClusterRole("x", Rule(["get"], "", "secrets"));
        var changed = ClusterRole("x", Rule(["get"], "", "secrets"));
        changed.Metadata.Finalizers = ["foregroundDeletion"];
        changed.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "o", Uid = "u" }];
        roles.Check(Write(cluster, "clusterroles", changed, old: old));
        changed.Metadata.Labels = new Dictionary<string, string> { ["x"] = "y" };
        Refusal(() => roles.Check(Write(cluster, "clusterroles", changed, old: old)));

        cluster.ClusterRoleList.Add(ClusterRole("admin", Rule(["*"], "", "secrets")));
        var binding = Binding("b", "team", "ClusterRole", "admin");
        var gcOnly = Binding("b", "team", "ClusterRole", "admin");
        gcOnly.Metadata.Finalizers = ["foregroundDeletion"];
        bindings.Check(Write(cluster, "rolebindings", gcOnly, "team", old: binding));
    }

    [Fact]
    public void A_binding_to_a_role_not_fully_held_is_refused_unless_bind_is_allowed_on_that_role()
    {
        var cluster = new Objects();
        cluster.ClusterRoleList.Add(ClusterRole("pod-reader", Rule(["get", "list"], "", "pods")));
        cluster.ClusterRoleList.Add(ClusterRole("secret-reader", Rule(["get"], "", "secrets")));
        cluster.ClusterRoleList.Add(ClusterRole("edit", Rule(["create"], "", "pods")));
        cluster.Grant("bob", "team", Rule(["get", "list", "watch"], "", "pods"));
        var (_, bindings) = Guards(cluster);

        bindings.Check(Write(cluster, "rolebindings", Binding("ok", "team", "ClusterRole", "pod-reader"), "team"));
        Assert.Equal(
            "rolebindings.rbac.authorization.k8s.io \"no\" is forbidden: user \"bob\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n" +
            "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}",
            Refusal(() => bindings.Check(Write(cluster, "rolebindings", Binding("no", "team", "ClusterRole", "secret-reader"), "team"))));

        // bind on the ClusterRole "secret-reader" only (resourceNames), in "team" only.
        cluster.Grant("bob", "team", Rule(["bind"], Rbac, "clusterroles", "secret-reader"));
        bindings.Check(Write(cluster, "rolebindings", Binding("yes", "team", "ClusterRole", "secret-reader"), "team"));
        Refusal(() => bindings.Check(Write(cluster, "rolebindings", Binding("no", "team", "ClusterRole", "edit"), "team")));
        var crb = new V1ClusterRoleBinding { Metadata = new V1ObjectMeta { Name = "crb" }, RoleRef = new V1RoleRef { ApiGroup = Rbac, Kind = "ClusterRole", Name = "secret-reader" } };
        Assert.StartsWith("clusterrolebindings.rbac.authorization.k8s.io \"crb\" is forbidden: user \"bob\"",
            Refusal(() => bindings.Check(Write(cluster, "clusterrolebindings", crb))), StringComparison.Ordinal);
    }

    [Fact]
    public void A_binding_to_a_missing_role_is_not_found()
    {
        var cluster = new Objects();
        var (_, bindings) = Guards(cluster);
        var e = Assert.Throws<ApiException>(() => bindings.Check(Write(cluster, "rolebindings", Binding("b", "team", "Role", "ghost"), "team")));
        Assert.Equal(404, e.Status.Code);
        Assert.Equal("roles.rbac.authorization.k8s.io \"ghost\" not found", e.Status.Message);
    }
}
