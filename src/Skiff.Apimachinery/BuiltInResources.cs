using k8s.Models;
using Skiff.Apimachinery.Strategies;
using Skiff.Apimachinery.Strategies.Events;

namespace Skiff.Apimachinery;

/// <summary>
/// The built-in resources, named as Kubernetes 1.32 names them (discovery) and stored where Kubernetes stores them
/// in etcd (e.g. nodes under <c>/registry/minions/</c>, services under <c>/registry/services/specs/</c>).
/// </summary>
internal static class BuiltInResources
{
    private static readonly string[] StatusVerbs = ["get", "patch", "update"];
    private static readonly string[] ProxyVerbs = ["create", "delete", "get", "patch", "update"];
    private static readonly string[] All = ["all"];

    public static IReadOnlyList<ResourceDefinition> Create() =>
    [
        // core/v1, in the order of kube-apiserver's /api/v1.
        new()
        {
            Group = "", Version = "v1", Kind = "ConfigMap", Plural = "configmaps", Singular = "configmap",
            ShortNames = ["cm"], Namespaced = true, StoragePrefix = "/registry/configmaps/",
            ModelType = typeof(V1ConfigMap), ListModelType = typeof(V1ConfigMapList), Strategy = new ConfigMapStrategy(),
        },
        new()
        {
            Group = "", Version = "v1", Kind = "Endpoints", Plural = "endpoints", Singular = "endpoints",
            ShortNames = ["ep"], Namespaced = true, StoragePrefix = "/registry/services/endpoints/",
            ModelType = typeof(V1Endpoints), ListModelType = typeof(V1EndpointsList), Strategy = new EndpointsStrategy(),
        },
        new()
        {
            Group = "", Version = "v1", Kind = "Event", Plural = "events", Singular = "event",
            ShortNames = ["ev"], Namespaced = true, StoragePrefix = "/registry/events/",
            ModelType = typeof(Corev1Event), ListModelType = typeof(Corev1EventList), Strategy = new EventStrategy(),
        },
        new()
        {
            Group = "", Version = "v1", Kind = "LimitRange", Plural = "limitranges", Singular = "limitrange",
            ShortNames = ["limits"], Namespaced = true, StoragePrefix = "/registry/limitranges/",
            ModelType = typeof(V1LimitRange), ListModelType = typeof(V1LimitRangeList), Strategy = new Strategies.Quota.LimitRangeStrategy(),
        },
        new()
        {
            Group = "", Version = "v1", Kind = "Namespace", Plural = "namespaces", Singular = "namespace",
            ShortNames = ["ns"], Namespaced = false, StoragePrefix = "/registry/namespaces/",
            Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"],
            Subresources = [new("status", "Namespace", StatusVerbs), new("finalize", "Namespace", ["update"])],
            ModelType = typeof(V1Namespace), ListModelType = typeof(V1NamespaceList), Strategy = new NamespaceStrategy(),
        },
        new()
        {
            Group = "", Version = "v1", Kind = "Node", Plural = "nodes", Singular = "node",
            ShortNames = ["no"], Namespaced = false, StoragePrefix = "/registry/minions/",
            Subresources = [new("proxy", "NodeProxyOptions", ProxyVerbs), new("status", "Node", StatusVerbs)],
            ModelType = typeof(V1Node), ListModelType = typeof(V1NodeList), Strategy = new NodeStrategy(),
        },
        new()
        {
            Group = "", Version = "v1", Kind = "PersistentVolumeClaim", Plural = "persistentvolumeclaims", Singular = "persistentvolumeclaim",
            ShortNames = ["pvc"], Namespaced = true, StoragePrefix = "/registry/persistentvolumeclaims/",
            Subresources = [new("status", "PersistentVolumeClaim", StatusVerbs)],
            ModelType = typeof(V1PersistentVolumeClaim), ListModelType = typeof(V1PersistentVolumeClaimList), Strategy = new Strategies.Storage.PersistentVolumeClaimStrategy(),
        },
        new()
        {
            Group = "", Version = "v1", Kind = "PersistentVolume", Plural = "persistentvolumes", Singular = "persistentvolume",
            ShortNames = ["pv"], Namespaced = false, StoragePrefix = "/registry/persistentvolumes/",
            Subresources = [new("status", "PersistentVolume", StatusVerbs)],
            ModelType = typeof(V1PersistentVolume), ListModelType = typeof(V1PersistentVolumeList), Strategy = new Strategies.Storage.PersistentVolumeStrategy(),
        },
        new()
        {
            Group = "", Version = "v1", Kind = "Pod", ReturnsDeletedObject = true, Plural = "pods", Singular = "pod",
            ShortNames = ["po"], Categories = All, Namespaced = true, StoragePrefix = "/registry/pods/",
            Subresources = [new("binding", "Binding", ["create"]), new("ephemeralcontainers", "Pod", StatusVerbs), new("eviction", "Eviction", ["create"], "policy", "v1"), new("proxy", "PodProxyOptions", ProxyVerbs), new("status", "Pod", StatusVerbs)],
            ModelType = typeof(V1Pod), ListModelType = typeof(V1PodList), Strategy = new PodStrategy(),
        },
        new()
        {
            Group = "", Version = "v1", Kind = "ReplicationController", Plural = "replicationcontrollers", Singular = "replicationcontroller",
            ShortNames = ["rc"], Categories = All, Namespaced = true, StoragePrefix = "/registry/controllers/",
            Subresources = [new("scale", "Scale", StatusVerbs, "autoscaling", "v1"), new("status", "ReplicationController", StatusVerbs)],
            ModelType = typeof(V1ReplicationController), ListModelType = typeof(V1ReplicationControllerList), Strategy = new ReplicationControllerStrategy(),
        },
        new()
        {
            Group = "", Version = "v1", Kind = "ResourceQuota", Plural = "resourcequotas", Singular = "resourcequota",
            ShortNames = ["quota"], Namespaced = true, StoragePrefix = "/registry/resourcequotas/",
            ModelType = typeof(V1ResourceQuota), ListModelType = typeof(V1ResourceQuotaList), Strategy = new Strategies.Quota.ResourceQuotaStrategy(),
            Subresources = [new("status", "ResourceQuota", StatusVerbs)],
        },
        new()
        {
            Group = "", Version = "v1", Kind = "Secret", Plural = "secrets", Singular = "secret",
            Namespaced = true, StoragePrefix = "/registry/secrets/",
            ModelType = typeof(V1Secret), ListModelType = typeof(V1SecretList), Strategy = new SecretStrategy(),
        },
        new()
        {
            Group = "", Version = "v1", Kind = "ServiceAccount", ReturnsDeletedObject = true, Plural = "serviceaccounts", Singular = "serviceaccount",
            ShortNames = ["sa"], Namespaced = true, StoragePrefix = "/registry/serviceaccounts/",
            Subresources = [new("token", "TokenRequest", ["create"], "authentication.k8s.io", "v1")],
            ModelType = typeof(V1ServiceAccount), ListModelType = typeof(V1ServiceAccountList), Strategy = new ServiceAccountStrategy(),
        },
        new()
        {
            Group = "", Version = "v1", Kind = "Service", ReturnsDeletedObject = true, Plural = "services", Singular = "service",
            ShortNames = ["svc"], Categories = All, Namespaced = true, StoragePrefix = "/registry/services/specs/",
            Subresources = [new("proxy", "ServiceProxyOptions", ProxyVerbs), new("status", "Service", StatusVerbs)],
            ModelType = typeof(V1Service), ListModelType = typeof(V1ServiceList), Strategy = new ServiceStrategy(),
        },

        // apps/v1
        new()
        {
            Group = "apps", Version = "v1", Kind = "ControllerRevision", Plural = "controllerrevisions", Singular = "controllerrevision",
            Namespaced = true, StoragePrefix = "/registry/controllerrevisions/",
            ModelType = typeof(V1ControllerRevision), ListModelType = typeof(V1ControllerRevisionList), Strategy = new ControllerRevisionStrategy(),
        },
        new()
        {
            Group = "apps", Version = "v1", Kind = "DaemonSet", Plural = "daemonsets", Singular = "daemonset",
            ShortNames = ["ds"], Categories = All, Namespaced = true, StoragePrefix = "/registry/daemonsets/",
            Subresources = [new("status", "DaemonSet", StatusVerbs)],
            ModelType = typeof(V1DaemonSet), ListModelType = typeof(V1DaemonSetList), Strategy = new DaemonSetStrategy(),
        },
        new()
        {
            Group = "apps", Version = "v1", Kind = "Deployment", Plural = "deployments", Singular = "deployment",
            ShortNames = ["deploy"], Categories = All, Namespaced = true, StoragePrefix = "/registry/deployments/",
            Subresources = [new("scale", "Scale", StatusVerbs, "autoscaling", "v1"), new("status", "Deployment", StatusVerbs)],
            ModelType = typeof(V1Deployment), ListModelType = typeof(V1DeploymentList), Strategy = new DeploymentStrategy(),
        },
        new()
        {
            Group = "apps", Version = "v1", Kind = "ReplicaSet", Plural = "replicasets", Singular = "replicaset",
            ShortNames = ["rs"], Categories = All, Namespaced = true, StoragePrefix = "/registry/replicasets/",
            Subresources = [new("scale", "Scale", StatusVerbs, "autoscaling", "v1"), new("status", "ReplicaSet", StatusVerbs)],
            ModelType = typeof(V1ReplicaSet), ListModelType = typeof(V1ReplicaSetList), Strategy = new ReplicaSetStrategy(),
        },
        new()
        {
            Group = "apps", Version = "v1", Kind = "StatefulSet", Plural = "statefulsets", Singular = "statefulset",
            ShortNames = ["sts"], Categories = All, Namespaced = true, StoragePrefix = "/registry/statefulsets/",
            Subresources = [new("scale", "Scale", StatusVerbs, "autoscaling", "v1"), new("status", "StatefulSet", StatusVerbs)],
            ModelType = typeof(V1StatefulSet), ListModelType = typeof(V1StatefulSetList), Strategy = new StatefulSetStrategy(),
        },

        // events.k8s.io/v1: the same objects as core events, stored under the same prefix.
        new()
        {
            Group = "events.k8s.io", Version = "v1", Kind = "Event", Plural = "events", Singular = "event",
            ShortNames = ["ev"], Namespaced = true, StoragePrefix = "/registry/events/",
            ModelType = typeof(Eventsv1Event), ListModelType = typeof(Eventsv1EventList), Strategy = new EventsV1EventStrategy(),
            StorageConversion = new EventConversion(),
        },

        // authentication.k8s.io/v1 and authorization.k8s.io/v1: reviews, answered and never stored.
        Review<V1TokenReview>("authentication.k8s.io", "TokenReview", "tokenreviews", namespaced: false),
        Review<V1SelfSubjectReview>("authentication.k8s.io", "SelfSubjectReview", "selfsubjectreviews", namespaced: false),
        Review<V1LocalSubjectAccessReview>("authorization.k8s.io", "LocalSubjectAccessReview", "localsubjectaccessreviews", namespaced: true),
        Review<V1SelfSubjectAccessReview>("authorization.k8s.io", "SelfSubjectAccessReview", "selfsubjectaccessreviews", namespaced: false),
        Review<V1SelfSubjectRulesReview>("authorization.k8s.io", "SelfSubjectRulesReview", "selfsubjectrulesreviews", namespaced: false),
        Review<V1SubjectAccessReview>("authorization.k8s.io", "SubjectAccessReview", "subjectaccessreviews", namespaced: false),

        // batch/v1
        new()
        {
            Group = "batch", Version = "v1", Kind = "Job", Plural = "jobs", Singular = "job",
            Categories = All, Namespaced = true, StoragePrefix = "/registry/jobs/",
            Subresources = [new("status", "Job", StatusVerbs)],
            ModelType = typeof(V1Job), ListModelType = typeof(V1JobList), Strategy = new JobStrategy(),
        },
        new()
        {
            Group = "batch", Version = "v1", Kind = "CronJob", Plural = "cronjobs", Singular = "cronjob",
            ShortNames = ["cj"], Categories = All, Namespaced = true, StoragePrefix = "/registry/cronjobs/",
            Subresources = [new("status", "CronJob", StatusVerbs)],
            ModelType = typeof(V1CronJob), ListModelType = typeof(V1CronJobList), Strategy = new CronJobStrategy(),
        },

        // certificates.k8s.io/v1
        new()
        {
            Group = "certificates.k8s.io", Version = "v1", Kind = "CertificateSigningRequest", Plural = "certificatesigningrequests", Singular = "certificatesigningrequest",
            ShortNames = ["csr"], Namespaced = false, StoragePrefix = "/registry/certificatesigningrequests/",
            Subresources = [new("approval", "CertificateSigningRequest", StatusVerbs), new("status", "CertificateSigningRequest", StatusVerbs)],
            ModelType = typeof(V1CertificateSigningRequest), ListModelType = typeof(V1CertificateSigningRequestList), Strategy = new Strategies.Certificates.CertificateSigningRequestStrategy(),
        },

        // networking.k8s.io/v1
        new()
        {
            Group = "networking.k8s.io", Version = "v1", Kind = "NetworkPolicy", Plural = "networkpolicies", Singular = "networkpolicy",
            ShortNames = ["netpol"], Namespaced = true, StoragePrefix = "/registry/networkpolicies/",
            ModelType = typeof(V1NetworkPolicy), ListModelType = typeof(V1NetworkPolicyList), Strategy = new Strategies.Networking.NetworkPolicyStrategy(),
        },

        // policy/v1
        new()
        {
            Group = "policy", Version = "v1", Kind = "PodDisruptionBudget", Plural = "poddisruptionbudgets", Singular = "poddisruptionbudget",
            ShortNames = ["pdb"], Namespaced = true, StoragePrefix = "/registry/poddisruptionbudgets/",
            Subresources = [new("status", "PodDisruptionBudget", StatusVerbs)],
            ModelType = typeof(V1PodDisruptionBudget), ListModelType = typeof(V1PodDisruptionBudgetList), Strategy = new PodDisruptionBudgetStrategy(),
        },

        // rbac.authorization.k8s.io/v1
        new()
        {
            Group = "rbac.authorization.k8s.io", Version = "v1", Kind = "ClusterRoleBinding", Plural = "clusterrolebindings", Singular = "clusterrolebinding",
            Namespaced = false, StoragePrefix = "/registry/clusterrolebindings/",
            ModelType = typeof(V1ClusterRoleBinding), ListModelType = typeof(V1ClusterRoleBindingList), Strategy = new Strategies.Rbac.ClusterRoleBindingStrategy(),
        },
        new()
        {
            Group = "rbac.authorization.k8s.io", Version = "v1", Kind = "ClusterRole", Plural = "clusterroles", Singular = "clusterrole",
            Namespaced = false, StoragePrefix = "/registry/clusterroles/",
            ModelType = typeof(V1ClusterRole), ListModelType = typeof(V1ClusterRoleList), Strategy = new Strategies.Rbac.ClusterRoleStrategy(),
        },
        new()
        {
            Group = "rbac.authorization.k8s.io", Version = "v1", Kind = "RoleBinding", Plural = "rolebindings", Singular = "rolebinding",
            Namespaced = true, StoragePrefix = "/registry/rolebindings/",
            ModelType = typeof(V1RoleBinding), ListModelType = typeof(V1RoleBindingList), Strategy = new Strategies.Rbac.RoleBindingStrategy(),
        },
        new()
        {
            Group = "rbac.authorization.k8s.io", Version = "v1", Kind = "Role", Plural = "roles", Singular = "role",
            Namespaced = true, StoragePrefix = "/registry/roles/",
            ModelType = typeof(V1Role), ListModelType = typeof(V1RoleList), Strategy = new Strategies.Rbac.RoleStrategy(),
        },

        // storage.k8s.io/v1 (after rbac, as kube-apiserver's discovery lists it)
        new()
        {
            Group = "storage.k8s.io", Version = "v1", Kind = "StorageClass", Plural = "storageclasses", Singular = "storageclass",
            ShortNames = ["sc"], Namespaced = false, StoragePrefix = "/registry/storageclasses/",
            ModelType = typeof(V1StorageClass), ListModelType = typeof(V1StorageClassList), Strategy = new Strategies.Storage.StorageClassStrategy(),
        },

        // scheduling.k8s.io/v1 (before coordination, as kube-apiserver's discovery lists it)
        new()
        {
            Group = "scheduling.k8s.io", Version = "v1", Kind = "PriorityClass", Plural = "priorityclasses", Singular = "priorityclass",
            ShortNames = ["pc"], Namespaced = false, StoragePrefix = "/registry/priorityclasses/",
            ModelType = typeof(V1PriorityClass), ListModelType = typeof(V1PriorityClassList), Strategy = new Strategies.Scheduling.PriorityClassStrategy(),
        },

        // coordination.k8s.io/v1
        new()
        {
            Group = "coordination.k8s.io", Version = "v1", Kind = "Lease", Plural = "leases", Singular = "lease",
            Namespaced = true, StoragePrefix = "/registry/leases/",
            ModelType = typeof(V1Lease), ListModelType = typeof(V1LeaseList), Strategy = new LeaseStrategy(),
        },

        // discovery.k8s.io/v1
        new()
        {
            Group = "discovery.k8s.io", Version = "v1", Kind = "EndpointSlice", Plural = "endpointslices", Singular = "endpointslice",
            Namespaced = true, StoragePrefix = "/registry/endpointslices/",
            ModelType = typeof(V1EndpointSlice), ListModelType = typeof(V1EndpointSliceList), Strategy = new EndpointSliceStrategy(),
        },
    ];

    /// <summary>A create-only kind answered by the API server itself (its list type is never served).</summary>
    private static ResourceDefinition Review<T>(string group, string kind, string plural, bool namespaced)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta> => new()
    {
        Group = group, Version = "v1", Kind = kind, Plural = plural, Singular = kind.ToLowerInvariant(),
        Namespaced = namespaced, Verbs = ["create"], Stored = false,
        ModelType = typeof(T), ListModelType = typeof(T), Strategy = new ReviewStrategy<T>(namespaced),
    };
}
