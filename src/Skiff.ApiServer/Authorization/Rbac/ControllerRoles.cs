using k8s.Models;
using static Skiff.ApiServer.Authorization.Rbac.Rules;

namespace Skiff.ApiServer.Authorization.Rbac;

/// <summary>
/// Upstream's controller roles (bootstrappolicy/controller_policy.go) for the controllers Skiff runs or will run,
/// each bound to its service account in kube-system as <c>system:controller:&lt;name&gt;</c>.
/// </summary>
public static class ControllerRoles
{
    public const string Prefix = "system:controller:";

    public static IReadOnlyList<(string Name, List<V1PolicyRule> Rules)> All() =>
    [
        ("cronjob-controller",
        [
            Rule(V("get", "list", "watch", "update"), G("batch"), "cronjobs"),
            Rule(V("get", "list", "watch", "create", "update", "delete", "patch"), G("batch"), "jobs"),
            Rule(V("update"), G("batch"), "cronjobs/status"),
            Rule(V("update"), G("batch"), "cronjobs/finalizers"),
            Rule(V("list", "delete"), G(Legacy), "pods"),
            EventsRule(),
        ]),
        ("daemon-set-controller",
        [
            Rule(V("get", "list", "watch"), G("apps", "extensions"), "daemonsets"),
            Rule(V("update"), G("apps", "extensions"), "daemonsets/status"),
            Rule(V("update"), G("apps", "extensions"), "daemonsets/finalizers"),
            Rule(V("get", "list", "watch"), G(Legacy), "nodes"),
            Rule(V("list", "watch", "create", "delete", "patch"), G(Legacy), "pods"),
            Rule(V("create"), G(Legacy), "pods/binding"),
            Rule(V("get", "list", "watch", "create", "delete", "update", "patch"), G("apps"), "controllerrevisions"),
            EventsRule(),
        ]),
        ("deployment-controller",
        [
            Rule(V("get", "list", "watch", "update"), G("apps", "extensions"), "deployments"),
            Rule(V("update"), G("apps", "extensions"), "deployments/status"),
            Rule(V("update"), G("apps", "extensions"), "deployments/finalizers"),
            Rule(V("get", "list", "watch", "create", "update", "patch", "delete"), G("apps", "extensions"), "replicasets"),
            Rule(V("get", "list", "watch", "update"), G(Legacy), "pods"),
            EventsRule(),
        ]),
        ("endpoint-controller",
        [
            Rule(V("get", "list", "watch"), G(Legacy), "services", "pods"),
            Rule(V("get", "list", "create", "update", "delete"), G(Legacy), "endpoints"),
            Rule(V("create"), G(Legacy), "endpoints/restricted"),
            EventsRule(),
        ]),
        ("endpointslice-controller",
        [
            Rule(V("get", "list", "watch"), G(Legacy), "services", "pods", "nodes"),
            Rule(V("update"), G(Legacy), "services/finalizers"),
            Rule(V("get", "list", "create", "update", "delete"), G("discovery.k8s.io"), "endpointslices"),
            EventsRule(),
        ]),
        ("disruption-controller",
        [
            Rule(V("get", "list", "watch"), G("extensions", "apps"), "deployments"),
            Rule(V("get", "list", "watch"), G("apps", "extensions"), "replicasets"),
            Rule(V("get", "list", "watch"), G(Legacy), "replicationcontrollers"),
            Rule(V("get", "list", "watch"), G("policy"), "poddisruptionbudgets"),
            Rule(V("get", "list", "watch"), G("apps"), "statefulsets"),
            Rule(V("update"), G("policy"), "poddisruptionbudgets/status"),
            Rule(V("patch", "update"), G(Legacy), "pods/status"),
            Rule(V("get"), G("*"), "*/scale"),
            EventsRule(),
        ]),
        ("endpointslicemirroring-controller",
        [
            Rule(V("get", "list", "watch"), G(Legacy), "services", "endpoints"),
            Rule(V("update"), G(Legacy), "endpoints/finalizers"),
            Rule(V("get", "list", "create", "update", "delete"), G("discovery.k8s.io"), "endpointslices"),
            EventsRule(),
        ]),
        ("generic-garbage-collector",
        [
            Rule(V("get", "list", "watch", "patch", "update", "delete"), G("*"), "*"),
        ]),
        ("job-controller",
        [
            Rule(V("get", "list", "watch", "update", "patch"), G("batch"), "jobs"),
            Rule(V("update", "patch"), G("batch"), "jobs/status"),
            Rule(V("update", "patch"), G("batch"), "jobs/finalizers"),
            Rule(V("list", "watch", "create", "delete", "patch"), G(Legacy), "pods"),
            EventsRule(),
        ]),
        ("namespace-controller",
        [
            Rule(V("get", "list", "watch", "delete"), G(Legacy), "namespaces"),
            Rule(V("update"), G(Legacy), "namespaces/finalize", "namespaces/status"),
            Rule(V("get", "list", "delete", "deletecollection"), G("*"), "*"),
        ]),
        ("node-controller",
        [
            Rule(V("get", "list", "update", "delete", "patch"), G(Legacy), "nodes"),
            Rule(V("patch", "update"), G(Legacy), "nodes/status"),
            Rule(V("patch", "update"), G(Legacy), "pods/status"),
            Rule(V("list", "delete"), G(Legacy), "pods"),
            EventsRule(),
        ]),
        ("resourcequota-controller",
        [
            Rule(V("list", "watch"), G("*"), "*"),
            Rule(V("update"), G(Legacy), "resourcequotas/status"),
            EventsRule(),
        ]),
        ("root-ca-cert-publisher",
        [
            Rule(V("create", "update"), G(Legacy), "configmaps"),
            EventsRule(),
        ]),
        ("replicaset-controller",
        [
            Rule(V("get", "list", "watch", "update"), G("apps", "extensions"), "replicasets"),
            Rule(V("update"), G("apps", "extensions"), "replicasets/status"),
            Rule(V("update"), G("apps", "extensions"), "replicasets/finalizers"),
            Rule(V("list", "watch", "patch", "create", "delete"), G(Legacy), "pods"),
            EventsRule(),
        ]),
        ("replication-controller",
        [
            Rule(V("get", "list", "watch", "update"), G(Legacy), "replicationcontrollers"),
            Rule(V("update"), G(Legacy), "replicationcontrollers/status"),
            Rule(V("update"), G(Legacy), "replicationcontrollers/finalizers"),
            Rule(V("list", "watch", "patch", "create", "delete"), G(Legacy), "pods"),
            EventsRule(),
        ]),
        ("service-account-controller",
        [
            Rule(V("create"), G(Legacy), "serviceaccounts"),
            EventsRule(),
        ]),
        ("statefulset-controller",
        [
            Rule(V("list", "watch"), G(Legacy), "pods"),
            Rule(V("get", "list", "watch"), G("apps"), "statefulsets"),
            Rule(V("update"), G("apps"), "statefulsets/status"),
            Rule(V("update"), G("apps"), "statefulsets/finalizers"),
            Rule(V("get", "create", "delete", "update", "patch"), G(Legacy), "pods"),
            Rule(V("get", "create", "delete", "update", "patch", "list", "watch"), G("apps"), "controllerrevisions"),
            Rule(V("get", "create"), G(Legacy), "persistentvolumeclaims"),
            Rule(V("update", "delete"), G(Legacy), "persistentvolumeclaims"),
            EventsRule(),
        ]),
        ("taint-eviction-controller",
        [
            Rule(V("patch", "update"), G(Legacy), "pods/status"),
            Rule(V("list", "get", "delete"), G(Legacy), "pods"),
            EventsRule(),
        ]),
        ("ttl-after-finished-controller",
        [
            Rule(V("get", "list", "watch", "delete"), G("batch"), "jobs"),
            EventsRule(),
        ]),
    ];
}
