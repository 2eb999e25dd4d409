using Google.Protobuf.Reflection;
using Skiff.Apimachinery.Protobuf.Wire.AppsV1;
using Skiff.Apimachinery.Protobuf.Wire.AuthenticationV1;
using Skiff.Apimachinery.Protobuf.Wire.AuthorizationV1;
using Skiff.Apimachinery.Protobuf.Wire.BatchV1;
using Skiff.Apimachinery.Protobuf.Wire.CertificatesV1;
using Skiff.Apimachinery.Protobuf.Wire.CoreV1;
using Skiff.Apimachinery.Protobuf.Wire.MetaV1;
using Skiff.Apimachinery.Protobuf.Wire.NetworkingV1;
using Skiff.Apimachinery.Protobuf.Wire.PolicyV1;
using Skiff.Apimachinery.Protobuf.Wire.RbacV1;
using Skiff.Apimachinery.Protobuf.Wire.SchedulingV1;
using Skiff.Apimachinery.Protobuf.Wire.StorageV1;

namespace Skiff.Apimachinery.Protobuf;

/// <summary>Which top-level kinds have a wire schema, keyed by apiVersion and kind.</summary>
internal static class KindRegistry
{
    // Options types are registered in every group version upstream, so they are matched by kind alone.
    private static readonly IReadOnlyDictionary<string, MessageDescriptor> AnyVersionKinds = new Dictionary<string, MessageDescriptor>
    {
        ["DeleteOptions"] = DeleteOptions.Descriptor,
    };

    private static readonly IReadOnlyDictionary<(string ApiVersion, string Kind), MessageDescriptor> Kinds = Build();

    public static MessageDescriptor? Find(string apiVersion, string kind) =>
        Kinds.TryGetValue((apiVersion, kind), out var descriptor) ? descriptor
        : AnyVersionKinds.TryGetValue(kind, out descriptor) ? descriptor
        : null;

    /// <summary>Every apiVersion/kind that can be decoded and encoded.</summary>
    public static IEnumerable<(string ApiVersion, string Kind)> All => Kinds.Keys.Concat(AnyVersionKinds.Keys.Select(k => ("v1", k)));

    private static Dictionary<(string, string), MessageDescriptor> Build()
    {
        var kinds = new Dictionary<(string, string), MessageDescriptor>();
        void Add(string apiVersion, params MessageDescriptor[] descriptors)
        {
            foreach (var descriptor in descriptors)
            {
                kinds[(apiVersion, descriptor.Name)] = descriptor;
            }
        }

        Add(
            "v1",
            Namespace.Descriptor, NamespaceList.Descriptor, ConfigMap.Descriptor, ConfigMapList.Descriptor,
            Secret.Descriptor, SecretList.Descriptor, Service.Descriptor, ServiceList.Descriptor,
            ServiceAccount.Descriptor, ServiceAccountList.Descriptor, Pod.Descriptor, PodList.Descriptor,
            Node.Descriptor, NodeList.Descriptor, Event.Descriptor, EventList.Descriptor, Status.Descriptor,
            LimitRange.Descriptor, LimitRangeList.Descriptor, ResourceQuota.Descriptor, ResourceQuotaList.Descriptor,
            ReplicationController.Descriptor, ReplicationControllerList.Descriptor);
        Add("v1", PersistentVolumeClaim.Descriptor, PersistentVolumeClaimList.Descriptor, PersistentVolume.Descriptor, PersistentVolumeList.Descriptor);
        Add("storage.k8s.io/v1", StorageClass.Descriptor, StorageClassList.Descriptor);
        Add("apps/v1", Deployment.Descriptor, DeploymentList.Descriptor, ReplicaSet.Descriptor, ReplicaSetList.Descriptor);
        Add("batch/v1", Job.Descriptor, JobList.Descriptor, CronJob.Descriptor, CronJobList.Descriptor);
        Add("certificates.k8s.io/v1", CertificateSigningRequest.Descriptor, CertificateSigningRequestList.Descriptor);
        Add("networking.k8s.io/v1", NetworkPolicy.Descriptor, NetworkPolicyList.Descriptor);
        Add("policy/v1", Eviction.Descriptor, PodDisruptionBudget.Descriptor, PodDisruptionBudgetList.Descriptor);
        Add("scheduling.k8s.io/v1", PriorityClass.Descriptor, PriorityClassList.Descriptor);
        Add("authentication.k8s.io/v1", TokenRequest.Descriptor, TokenReview.Descriptor, SelfSubjectReview.Descriptor);
        Add(
            "authorization.k8s.io/v1",
            SubjectAccessReview.Descriptor, LocalSubjectAccessReview.Descriptor, SelfSubjectAccessReview.Descriptor, SelfSubjectRulesReview.Descriptor);
        Add(
            "rbac.authorization.k8s.io/v1",
            Role.Descriptor, RoleList.Descriptor, ClusterRole.Descriptor, ClusterRoleList.Descriptor,
            RoleBinding.Descriptor, RoleBindingList.Descriptor, ClusterRoleBinding.Descriptor, ClusterRoleBindingList.Descriptor);
        return kinds;
    }
}
