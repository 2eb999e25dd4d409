using k8s.Models;
using static Skiff.ApiServer.Authorization.Rbac.Rules;

namespace Skiff.ApiServer.Authorization.Rbac;

/// <summary>
/// Upstream's default RBAC policy (pkg/apis/rbac/bootstrappolicy, Kubernetes 1.32): the cluster roles users and
/// components rely on and their bindings, for the resources Skiff serves or will serve. Reconciled at every
/// server start by <see cref="BootstrapPolicyReconciler"/>.
/// </summary>
public static class BootstrapPolicy
{
    public const string AggregateToAdmin = "rbac.authorization.k8s.io/aggregate-to-admin";
    public const string AggregateToEdit = "rbac.authorization.k8s.io/aggregate-to-edit";
    public const string AggregateToView = "rbac.authorization.k8s.io/aggregate-to-view";
    public const string AutoUpdate = "rbac.authorization.kubernetes.io/autoupdate";

    /// <summary>The user of the API server's client certificate towards kubelets (kubeadm's name for it).</summary>
    public const string KubeApiServerKubeletClient = "kube-apiserver-kubelet-client";
    public const string KubeletApiAdminBinding = "kube-apiserver-kubelet-admin";

    /// <summary>The user cluster DNS runs as inside <c>skiff server</c> (upstream's CoreDNS runs as a service
    /// account bound to the same <c>system:coredns</c> role).</summary>
    public const string CoreDnsUser = "system:coredns";

    /// <summary>Skiff's additions for the controller manager's single identity (see <see cref="ClusterRoleBindings"/>).</summary>
    public const string SkiffControllerManagerRole = "skiff:kube-controller-manager";

    public static IReadOnlyList<V1ClusterRole> ClusterRoles()
    {
        var roles = new List<V1ClusterRole>
        {
            Role("cluster-admin", [Rule(V("*"), G("*"), "*"), Urls(V("*"), "*")]),
            Role("system:discovery", [Urls(V("get"), "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/")]),
            Role("system:monitoring", [Urls(V("get"), "/metrics", "/metrics/slis", "/livez", "/readyz", "/healthz", "/livez/*", "/readyz/*", "/healthz/*")]),
            Role("system:basic-user",
            [
                Rule(V("create"), G("authorization.k8s.io"), "selfsubjectaccessreviews", "selfsubjectrulesreviews"),
                Rule(V("create"), G("authentication.k8s.io"), "selfsubjectreviews"),
            ]),
            Role("system:service-account-issuer-discovery",
                [Urls(V("get"), "/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/")]),
            Role("system:public-info-viewer", [Urls(V("get"), "/healthz", "/livez", "/readyz", "/version", "/version/")]),
            Aggregated("admin", AggregateToAdmin),
            Aggregated("edit", AggregateToEdit, (AggregateToAdmin, "true")),
            Aggregated("view", AggregateToView, (AggregateToEdit, "true")),
            Role("system:aggregate-to-admin",
            [
                Rule(V("create"), G("authorization.k8s.io"), "localsubjectaccessreviews"),
                Rule(ReadWrite, G("rbac.authorization.k8s.io"), "rolebindings", "roles"),
            ], (AggregateToAdmin, "true")),
            Role("system:aggregate-to-edit", EditRules(), (AggregateToEdit, "true")),
            Role("system:aggregate-to-view", ViewRules(), (AggregateToView, "true")),
            Role("system:node", NodeRules()),
            Role("system:node-proxier",
            [
                Rule(V("list", "watch"), G(Legacy), "services", "endpoints"),
                Rule(V("get", "list", "watch"), G(Legacy), "nodes"),
                EventsRule(),
                Rule(V("list", "watch"), G("discovery.k8s.io"), "endpointslices"),
            ]),
            Role("system:kube-scheduler", SchedulerRules()),
            Role("system:volume-scheduler",
            [
                Rule(V("get", "list", "watch", "patch", "update"), G(Legacy), "persistentvolumes"),
                Rule(Read, G("storage.k8s.io"), "storageclasses"),
                Rule(V("get", "list", "watch", "patch", "update"), G(Legacy), "persistentvolumeclaims"),
            ]),
            Role("system:kube-controller-manager", ControllerManagerRules()),
            Role("system:kube-dns",
            [
                Rule(V("list", "watch"), G(Legacy), "endpoints", "services"),
                Rule(V("list", "watch"), G("discovery.k8s.io"), "endpointslices"),
            ]),
            // Full use of kubelets' HTTPS API (exec, logs, stats...): what the API server's kubelet-client identity holds.
            Role("system:kubelet-api-admin",
            [
                Rule(V("get", "list", "watch"), G(Legacy), "nodes"),
                Rule(V("proxy"), G(Legacy), "nodes"),
                Rule(V("*"), G(Legacy), "nodes/proxy", "nodes/metrics", "nodes/spec", "nodes/stats", "nodes/log"),
            ]),
            // CoreDNS's own ClusterRole (its deployment manifest, as k3s ships it): what cluster DNS reads.
            Role("system:coredns",
            [
                Rule(V("list", "watch"), G(Legacy), "endpoints", "services", "pods", "namespaces"),
                Rule(V("list", "watch"), G("discovery.k8s.io"), "endpointslices"),
            ]),
            // Skiff runs the endpoint controllers on a Lease of their own (NetworkingControllers.LeaseName).
            Role(SkiffControllerManagerRole,
            [
                Named(V("get", "update"), G("coordination.k8s.io"), ["leases"], "skiff-endpoint-controllers"),
            ]),
            Role("system:node-bootstrapper", [Rule(V("create", "get", "list", "watch"), G("certificates.k8s.io"), "certificatesigningrequests")]),
            // What the csrapproving controller asks through SubjectAccessReviews, and who may approve for which signer.
            Role("system:certificates.k8s.io:certificatesigningrequests:nodeclient", [Rule(V("create"), G("certificates.k8s.io"), "certificatesigningrequests/nodeclient")]),
            Role("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", [Rule(V("create"), G("certificates.k8s.io"), "certificatesigningrequests/selfnodeclient")]),
            Role("system:certificates.k8s.io:kube-apiserver-client-approver", [Named(V("approve"), G("certificates.k8s.io"), ["signers"], "kubernetes.io/kube-apiserver-client")]),
            Role("system:certificates.k8s.io:kube-apiserver-client-kubelet-approver", [Named(V("approve"), G("certificates.k8s.io"), ["signers"], "kubernetes.io/kube-apiserver-client-kubelet")]),
            Role("system:certificates.k8s.io:kubelet-serving-approver", [Named(V("approve"), G("certificates.k8s.io"), ["signers"], "kubernetes.io/kubelet-serving")]),
            Role("system:certificates.k8s.io:legacy-unknown-approver", [Named(V("approve"), G("certificates.k8s.io"), ["signers"], "kubernetes.io/legacy-unknown")]),
            Role("system:auth-delegator",
            [
                Rule(V("create"), G("authentication.k8s.io"), "tokenreviews"),
                Rule(V("create"), G("authorization.k8s.io"), "subjectaccessreviews"),
            ]),
        };
        roles.AddRange(ControllerRoles.All().Select(r => Role(ControllerRoles.Prefix + r.Name, r.Rules)));
        return roles;
    }

    /// <summary>What Skiff bound before it had the Node authorizer (every node held system:node); the reconciler takes it away.</summary>
    public static readonly Rbacv1Subject FormerNodeGroupSubject = new() { Kind = "Group", ApiGroup = "rbac.authorization.k8s.io", Name = "system:nodes" };

    public static IReadOnlyList<V1ClusterRoleBinding> ClusterRoleBindings()
    {
        var bindings = new List<V1ClusterRoleBinding>
        {
            Binding("cluster-admin", "cluster-admin", Group("system:masters")),
            Binding("system:monitoring", "system:monitoring", Group("system:monitoring")),
            Binding("system:discovery", "system:discovery", Group("system:authenticated")),
            Binding("system:basic-user", "system:basic-user", Group("system:authenticated")),
            Binding("system:public-info-viewer", "system:public-info-viewer", Group("system:authenticated"), Group("system:unauthenticated")),
            Binding("system:service-account-issuer-discovery", "system:service-account-issuer-discovery", Group("system:serviceaccounts")),
            Binding("system:node-proxier", "system:node-proxier", User("system:kube-proxy")),
            Binding("system:kube-controller-manager", "system:kube-controller-manager", User("system:kube-controller-manager")),
            Binding("system:kube-dns", "system:kube-dns", ServiceAccount("kube-system", "kube-dns")),
            Binding("system:kube-scheduler", "system:kube-scheduler", User("system:kube-scheduler")),
            Binding("system:volume-scheduler", "system:volume-scheduler", User("system:kube-scheduler")),
            // The API server's own client certificate towards kubelets (as k3s's kube-apiserver-kubelet-admin binding;
            // kubeadm's certificate is in a cluster-admin group instead): kubelets ask, by SubjectAccessReview, whether
            // it may exec, read logs and proxy.
            Binding(KubeletApiAdminBinding, "system:kubelet-api-admin", User(KubeApiServerKubeletClient)),

            // TLS bootstrapping as kubeadm sets it up: a bootstrap token's user may ask for a node client certificate,
            // which the csrapproving controller approves; a node may renew its own.
            Binding("skiff:kubelet-bootstrap", "system:node-bootstrapper", Group("system:bootstrappers")),
            Binding("skiff:node-autoapprove-bootstrap", "system:certificates.k8s.io:certificatesigningrequests:nodeclient", Group("system:bootstrappers")),
            Binding("skiff:node-autoapprove-certificate-rotation", "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", Group("system:nodes")),

            // Bound to nobody since 1.8: kubelets get these rules from the Node authorizer, narrowed to their own objects.
            Binding("system:node", "system:node"),
        };
        bindings.AddRange(ControllerRoles.All().Select(r =>
            Binding(ControllerRoles.Prefix + r.Name, ControllerRoles.Prefix + r.Name, ServiceAccount("kube-system", r.Name))));

        // Skiff's controller manager runs every controller under its one identity rather than upstream's
        // per-controller service accounts (--use-service-account-credentials): it holds the union of the controller
        // roles, each bound to it by a binding of its own.
        bindings.Add(Binding("system:coredns", "system:coredns", User(CoreDnsUser)));
        bindings.Add(Binding(SkiffControllerManagerRole, SkiffControllerManagerRole, User("system:kube-controller-manager")));
        bindings.AddRange(ControllerRoles.All().Select(r =>
            Binding(SkiffControllerManagerRole + ":" + r.Name, ControllerRoles.Prefix + r.Name, User("system:kube-controller-manager"))));
        return bindings;
    }

    /// <summary>The rules of an aggregated role: the union of the rules of the roles its selector picks, computed
    /// from <paramref name="all"/> (upstream's clusterrole-aggregation controller does this continuously).</summary>
    public static List<V1PolicyRule> Aggregate(V1ClusterRole aggregated, IEnumerable<V1ClusterRole> all)
    {
        var rules = new List<V1PolicyRule>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var role in all.Where(r => r.Metadata.Name != aggregated.Metadata.Name).OrderBy(r => r.Metadata.Name, StringComparer.Ordinal))
        {
            var labels = role.Metadata.Labels ?? new Dictionary<string, string>();
            var picked = aggregated.AggregationRule?.ClusterRoleSelectors?.Any(s =>
                (s.MatchLabels ?? new Dictionary<string, string>()).All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value)
                && (s.MatchExpressions?.Count ?? 0) == 0) ?? false;
            if (!picked)
            {
                continue;
            }

            foreach (var rule in role.Rules ?? [])
            {
                if (seen.Add(k8s.KubernetesJson.Serialize(rule)))
                {
                    rules.Add(rule);
                }
            }
        }

        return rules;
    }

    private static V1ClusterRole Role(string name, IList<V1PolicyRule> rules, params (string Key, string Value)[] labels)
    {
        var meta = new V1ObjectMeta
        {
            Name = name,
            Labels = new Dictionary<string, string> { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
            Annotations = new Dictionary<string, string> { [AutoUpdate] = "true" },
        };
        foreach (var (key, value) in labels)
        {
            meta.Labels[key] = value;
        }

        return new V1ClusterRole { ApiVersion = "rbac.authorization.k8s.io/v1", Kind = "ClusterRole", Metadata = meta, Rules = rules };
    }

    private static V1ClusterRole Aggregated(string name, string selectorLabel, params (string Key, string Value)[] labels)
    {
        var role = Role(name, [], labels);
        role.AggregationRule = new V1AggregationRule
        {
            ClusterRoleSelectors = [new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [selectorLabel] = "true" } }],
        };
        return role;
    }

    private static V1ClusterRoleBinding Binding(string name, string role, params Rbacv1Subject[] subjects) => new()
    {
        ApiVersion = "rbac.authorization.k8s.io/v1",
        Kind = "ClusterRoleBinding",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = new Dictionary<string, string> { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
            Annotations = new Dictionary<string, string> { [AutoUpdate] = "true" },
        },
        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = role },
        Subjects = subjects.Length == 0 ? null : subjects,
    };

    private static Rbacv1Subject Group(string name) => new() { Kind = "Group", ApiGroup = "rbac.authorization.k8s.io", Name = name };

    private static Rbacv1Subject User(string name) => new() { Kind = "User", ApiGroup = "rbac.authorization.k8s.io", Name = name };

    private static Rbacv1Subject ServiceAccount(string ns, string name) => new() { Kind = "ServiceAccount", Name = name, NamespaceProperty = ns };

    private static List<V1PolicyRule> ViewRules() =>
    [
        Rule(Read, G(Legacy), "pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status",
            "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "configmaps"),
        Rule(Read, G(Legacy), "limitranges", "resourcequotas", "bindings", "events", "pods/status", "resourcequotas/status", "namespaces/status",
            "replicationcontrollers/status", "pods/log"),
        Rule(Read, G(Legacy), "namespaces"),
        Rule(Read, G("discovery.k8s.io"), "endpointslices"),
        Rule(Read, G("apps"), "controllerrevisions", "statefulsets", "statefulsets/scale", "statefulsets/status", "daemonsets", "daemonsets/status",
            "deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale", "replicasets/status"),
        Rule(Read, G("autoscaling"), "horizontalpodautoscalers", "horizontalpodautoscalers/status"),
        Rule(Read, G("batch"), "jobs", "cronjobs", "cronjobs/status", "jobs/status"),
        Rule(Read, G("extensions"), "daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status", "ingresses",
            "ingresses/status", "replicasets", "replicasets/scale", "replicasets/status", "replicationcontrollers/scale", "networkpolicies"),
        Rule(Read, G("policy"), "poddisruptionbudgets", "poddisruptionbudgets/status"),
        Rule(Read, G("networking.k8s.io"), "ingresses", "ingresses/status", "networkpolicies"),
    ];

    private static List<V1PolicyRule> EditRules() =>
    [
        Rule(V("get", "list", "watch"), G(Legacy), "pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"),
        Rule(V("impersonate"), G(Legacy), "serviceaccounts"),
        Rule(Write, G(Legacy), "pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"),
        Rule(V("create"), G(Legacy), "pods/eviction"),
        Rule(Write, G(Legacy), "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/proxy",
            "persistentvolumeclaims", "configmaps", "secrets", "events"),
        Rule(V("create"), G(Legacy), "serviceaccounts/token"),
        Rule(Write, G("apps"), "statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale", "deployments/rollback",
            "replicasets", "replicasets/scale"),
        Rule(Write, G("autoscaling"), "horizontalpodautoscalers"),
        Rule(Write, G("batch"), "jobs", "cronjobs"),
        Rule(Write, G("extensions"), "daemonsets", "deployments", "deployments/scale", "deployments/rollback", "ingresses", "replicasets",
            "replicasets/scale", "replicationcontrollers/scale", "networkpolicies"),
        Rule(Write, G("policy"), "poddisruptionbudgets"),
        Rule(Write, G("networking.k8s.io"), "ingresses", "networkpolicies"),
    ];

    /// <summary>The system:node role's rules, which the node authorizer grants kubelets.</summary>
    public static List<V1PolicyRule> NodeRules() =>
    [
        Rule(V("create"), G("authentication.k8s.io"), "tokenreviews"),
        Rule(V("create"), G("authorization.k8s.io"), "subjectaccessreviews", "localsubjectaccessreviews"),
        Rule(Read, G(Legacy), "services"),
        Rule(V("create", "get", "list", "watch"), G(Legacy), "nodes"),
        Rule(V("update", "patch"), G(Legacy), "nodes/status"),
        Rule(V("update", "patch"), G(Legacy), "nodes"),
        EventsRule(),
        Rule(Read, G(Legacy), "pods"),
        Rule(V("create", "delete"), G(Legacy), "pods"),
        Rule(V("update", "patch"), G(Legacy), "pods/status"),
        Rule(V("create"), G(Legacy), "pods/eviction"),
        Rule(V("get", "list", "watch"), G(Legacy), "secrets", "configmaps"),
        Rule(V("get"), G(Legacy), "persistentvolumeclaims", "persistentvolumes"),
        Rule(V("get"), G(Legacy), "endpoints"),
        Rule(V("create", "get", "list", "watch"), G("certificates.k8s.io"), "certificatesigningrequests"),
        Rule(V("get", "create", "update", "patch", "delete"), G("coordination.k8s.io"), "leases"),
        Rule(V("get"), G("storage.k8s.io"), "volumeattachments"),
        Rule(V("create"), G(Legacy), "serviceaccounts/token"),
        Rule(V("get", "update", "patch"), G(Legacy), "persistentvolumeclaims/status"),
        Rule(V("get", "watch", "list"), G("storage.k8s.io"), "csidrivers"),
        Rule(V("create", "delete", "get", "patch", "update"), G("storage.k8s.io"), "csinodes"),
        Rule(Read, G("node.k8s.io"), "runtimeclasses"),
    ];

    /// <summary>What a node's service proxy and NetworkPolicy enforcer read beyond <see cref="NodeRules"/>. Upstream
    /// runs them under their own identities (<c>system:kube-proxy</c>, kube-router's ServiceAccount); a Skiff node runs
    /// them with its own credential, so the Node authorizer grants the node these reads (list and watch only) rather
    /// than widening the <c>system:node</c> role.</summary>
    public static List<V1PolicyRule> NodeNetworkingRules() =>
    [
        Rule(V("list", "watch"), G("discovery.k8s.io"), "endpointslices"),
        Rule(V("list", "watch"), G(Legacy), "namespaces"),
        Rule(V("list", "watch"), G("networking.k8s.io"), "networkpolicies"),
    ];

    private static List<V1PolicyRule> SchedulerRules() =>
    [
        EventsRule(),
        Rule(V("create"), G("coordination.k8s.io"), "leases"),
        Named(V("get", "update"), G("coordination.k8s.io"), ["leases"], "kube-scheduler"),
        Rule(V("create"), G(Legacy), "endpoints"),
        Named(V("get", "update"), G(Legacy), ["endpoints"], "kube-scheduler"),
        Rule(Read, G(Legacy), "nodes"),
        Rule(V("get", "list", "watch", "delete"), G(Legacy), "pods"),
        Rule(V("create"), G(Legacy), "bindings", "pods/binding"),
        Rule(V("patch", "update"), G(Legacy), "pods/status"),
        Rule(Read, G(Legacy), "replicationcontrollers", "services"),
        Rule(Read, G("apps", "extensions"), "replicasets"),
        Rule(Read, G("apps"), "statefulsets"),
        Rule(Read, G("policy"), "poddisruptionbudgets"),
        Rule(Read, G(Legacy), "persistentvolumeclaims", "persistentvolumes"),
        Rule(V("create"), G("authentication.k8s.io"), "tokenreviews"),
        Rule(V("create"), G("authorization.k8s.io"), "subjectaccessreviews"),
        Rule(Read, G("storage.k8s.io"), "csinodes"),
        Rule(Read, G(Legacy), "namespaces"),
        Rule(Read, G("storage.k8s.io"), "csidrivers"),
        Rule(Read, G("storage.k8s.io"), "csistoragecapacities"),
    ];

    private static List<V1PolicyRule> ControllerManagerRules() =>
    [
        EventsRule(),
        Rule(V("create"), G("coordination.k8s.io"), "leases"),
        Named(V("get", "update"), G("coordination.k8s.io"), ["leases"], "kube-controller-manager"),
        Rule(V("create"), G(Legacy), "endpoints"),
        Named(V("get", "update"), G(Legacy), ["endpoints"], "kube-controller-manager"),
        Rule(V("create"), G(Legacy), "secrets", "serviceaccounts"),
        Rule(V("delete"), G(Legacy), "secrets"),
        Rule(V("get"), G(Legacy), "configmaps", "namespaces", "secrets", "serviceaccounts"),
        Rule(V("update"), G(Legacy), "secrets", "serviceaccounts"),
        Rule(V("create"), G("authentication.k8s.io"), "tokenreviews"),
        Rule(V("create"), G("authorization.k8s.io"), "subjectaccessreviews"),
        Rule(V("list", "watch"), G("*"), "*"),
        Rule(V("create"), G(Legacy), "serviceaccounts/token"),
        // The node IPAM controller writes spec.podCIDR(s) (upstream grants it to system:controller:node-controller;
        // Skiff's controller manager runs every controller under its own identity).
        Rule(V("patch", "update"), G(Legacy), "nodes"),
        // csrsigning (upstream's system:controller:certificate-controller): issues certificates into the status.
        Rule(V("update"), G("certificates.k8s.io"), "certificatesigningrequests/status"),
        Named(V("sign"), G("certificates.k8s.io"), ["signers"], "kubernetes.io/kube-apiserver-client", "kubernetes.io/kube-apiserver-client-kubelet", "kubernetes.io/kubelet-serving"),
        // csrapproving approves kubelet client requests; the csr cleaner deletes old requests (same upstream role).
        Rule(V("update"), G("certificates.k8s.io"), "certificatesigningrequests/approval"),
        Named(V("approve"), G("certificates.k8s.io"), ["signers"], "kubernetes.io/kube-apiserver-client-kubelet"),
        Rule(V("delete"), G("certificates.k8s.io"), "certificatesigningrequests"),
        // The resource quota controller keeps status.hard and status.used (upstream's resourcequota-controller role).
        Rule(V("update"), G(Legacy), "resourcequotas/status"),
    ];
}
