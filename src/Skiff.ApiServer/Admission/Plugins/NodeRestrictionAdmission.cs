using k8s.Models;
using Skiff.ApiServer.Authorization;

namespace Skiff.ApiServer.Admission.Plugins;

/// <summary>
/// Upstream's NodeRestriction plugin: a kubelet (<c>system:node:&lt;name&gt;</c>) may write only its own Node (not
/// its taints, nor labels outside the kubelet's set or under <c>node-restriction.kubernetes.io/</c>), its own Lease
/// in <c>kube-node-lease</c>, the status of pods bound to it, and create and delete only mirror pods of its own that
/// reference nothing else, with upstream's messages.
/// </summary>
public sealed class NodeRestrictionAdmission : IAdmissionPlugin
{
    public const string NodeLeaseNamespace = "kube-node-lease";
    public const string NodeRestrictionLabelNamespace = "node-restriction.kubernetes.io";

    // kubelet's well-known labels (k8s.io/kubelet/pkg/apis IsKubeletLabel) and label namespaces.
    private static readonly HashSet<string> KubeletLabels = new(StringComparer.Ordinal)
    {
        "kubernetes.io/hostname", "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
        "topology.kubernetes.io/zone", "topology.kubernetes.io/region", "beta.kubernetes.io/instance-type",
        "node.kubernetes.io/instance-type", "kubernetes.io/os", "kubernetes.io/arch", "beta.kubernetes.io/os", "beta.kubernetes.io/arch",
        "failure-domain.kubernetes.io/zone", "failure-domain.kubernetes.io/region", "kubernetes.io/instance-type",
    };

    private static readonly string[] KubeletLabelNamespaces = ["kubelet.kubernetes.io", "node.kubernetes.io"];

    public string Name => "NodeRestriction";

    public void Admit(AdmissionAttributes a)
    {
        if (a.Operation == AdmissionOperation.Connect)
        {
            return;
        }

        var (isNode, nodeName) = NodeIdentity.Of(a.User);
        if (!isNode)
        {
            return;
        }

        if (nodeName.Length == 0)
        {
            throw AdmissionErrors.Forbidden(a, $"could not determine node from user \"{a.User.Name}\"");
        }

        if (a.IsPod)
        {
            AdmitPod(a, nodeName);
        }
        else if (a.Is(string.Empty, "nodes"))
        {
            AdmitNode(a, nodeName);
        }
        else if (a.Is(string.Empty, "persistentvolumeclaims") && a.Subresource != "status")
        {
            throw AdmissionErrors.Forbidden(a, "may only update PVC status");
        }
        else if (a.Is("coordination.k8s.io", "leases"))
        {
            AdmitLease(a, nodeName);
        }
    }

    private static void AdmitPod(AdmissionAttributes a, string nodeName)
    {
        switch (a.Subresource, a.Operation)
        {
            case ("", AdmissionOperation.Create):
                AdmitPodCreate(a, nodeName, (V1Pod)a.Object!);
                return;
            case ("", AdmissionOperation.Delete):
                if (((V1Pod)a.OldObject!).Spec?.NodeName != nodeName)
                {
                    throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" can only delete pods with spec.nodeName set to itself");
                }

                return;
            case ("", _):
                throw AdmissionErrors.Forbidden(a, $"unexpected operation \"{a.Operation.ToString().ToUpperInvariant()}\", node \"{nodeName}\" can only create and delete mirror pods");
            case ("status", AdmissionOperation.Update):
                var old = (V1Pod)a.OldObject!;
                if (old.Spec?.NodeName != nodeName)
                {
                    throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" can only update pod status for pods with spec.nodeName set to itself");
                }

                if (!SameLabels(old.Metadata?.Labels, a.Object?.Metadata?.Labels))
                {
                    throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" cannot update labels through pod status");
                }

                return;
            case ("status", _):
                throw AdmissionErrors.Forbidden(a, $"unexpected operation \"{a.Operation.ToString().ToUpperInvariant()}\"");
            case ("eviction", _):
                if (a.Cluster.Get(string.Empty, "pods", a.Namespace, a.Name) is V1Pod evicted && evicted.Spec?.NodeName != nodeName)
                {
                    throw AdmissionErrors.Forbidden(a, $"node {nodeName} can only evict pods with spec.nodeName set to itself");
                }

                return;
            default:
                throw AdmissionErrors.Forbidden(a, $"unexpected pod subresource \"{a.Subresource}\", only 'status' and 'eviction' are allowed");
        }
    }

    private static void AdmitPodCreate(AdmissionAttributes a, string nodeName, V1Pod pod)
    {
        if (pod.Metadata?.Annotations?.ContainsKey(ServiceAccountAdmission.MirrorPodAnnotation) != true)
        {
            throw AdmissionErrors.Forbidden(a, $"pod does not have \"{ServiceAccountAdmission.MirrorPodAnnotation}\" annotation, node \"{nodeName}\" can only create mirror pods");
        }

        if (pod.Spec?.NodeName != nodeName)
        {
            throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" can only create pods with spec.nodeName set to itself");
        }

        var owners = pod.Metadata.OwnerReferences ?? [];
        if (owners.Count > 1)
        {
            throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" can only create pods with a single owner reference set to itself");
        }

        if (owners.Count == 0 || owners[0] is not { ApiVersion: "v1", Kind: "Node" } owner || owner.Name != nodeName)
        {
            throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" can only create pods with an owner reference set to itself");
        }

        if (owner.Controller != true)
        {
            throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" can only create pods with a controller owner reference set to itself");
        }

        if (owner.BlockOwnerDeletion == true)
        {
            throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" must not set blockOwnerDeletion on an owner reference");
        }

        var node = a.Cluster.Get(string.Empty, "nodes", null, nodeName);
        if (node is not null && owner.Uid != node.Metadata.Uid)
        {
            throw AdmissionErrors.Forbidden(a, $"node {nodeName} UID mismatch: expected {owner.Uid} got {node.Metadata.Uid}");
        }

        var references = Authorization.PodReferences.Of(pod);
        if (!string.IsNullOrEmpty(pod.Spec.ServiceAccountName))
        {
            throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" can not create pods that reference a service account");
        }

        if (references.Secrets.Count > 0)
        {
            throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" can not create pods that reference secrets");
        }

        if (references.ConfigMaps.Count > 0)
        {
            throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" can not create pods that reference configmaps");
        }

        if (references.PersistentVolumeClaims.Count > 0)
        {
            throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" can not create pods that reference persistentvolumeclaims");
        }
    }

    private static void AdmitNode(AdmissionAttributes a, string nodeName)
    {
        var requested = a.Operation == AdmissionOperation.Create ? a.Object?.Metadata?.Name ?? a.Name : a.Name;
        if (requested != nodeName)
        {
            throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" is not allowed to modify node \"{requested}\"");
        }

        if (a.Operation == AdmissionOperation.Create && a.Object is V1Node created)
        {
            if (created.Spec?.ConfigSource is not null)
            {
                throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" is not allowed to create pods with a non-nil configSource");
            }

            var forbidden = ForbiddenLabels(ModifiedLabels(created.Metadata?.Labels, null));
            if (forbidden.Count > 0)
            {
                throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" is not allowed to set the following labels: {string.Join(", ", forbidden)}");
            }
        }

        if (a.Operation == AdmissionOperation.Update && a.Object is V1Node node && a.OldObject is V1Node old)
        {
            if (node.Spec?.ConfigSource is not null && !SameJson(node.Spec.ConfigSource, old.Spec?.ConfigSource))
            {
                throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" is not allowed to update configSource to a new non-nil configSource");
            }

            if (!SameJson(NullIfEmpty(node.Spec?.Taints), NullIfEmpty(old.Spec?.Taints)))
            {
                throw AdmissionErrors.Forbidden(a, $"node \"{nodeName}\" is not allowed to modify taints");
            }

            var forbidden = ForbiddenLabels(ModifiedLabels(node.Metadata?.Labels, old.Metadata?.Labels));
            if (forbidden.Count > 0)
            {
                throw AdmissionErrors.Forbidden(a, $"is not allowed to modify labels: {string.Join(", ", forbidden)}");
            }
        }
    }

    private static void AdmitLease(AdmissionAttributes a, string nodeName)
    {
        if (a.Namespace != NodeLeaseNamespace)
        {
            throw AdmissionErrors.Forbidden(a, $"can only access leases in the \"{NodeLeaseNamespace}\" system namespace");
        }

        var name = a.Operation == AdmissionOperation.Create ? a.Object?.Metadata?.Name : a.Name;
        if (name != nodeName)
        {
            throw AdmissionErrors.Forbidden(a, "can only access node lease with the same name as the requesting node");
        }
    }

    private static SortedSet<string> ModifiedLabels(IDictionary<string, string>? labels, IDictionary<string, string>? old)
    {
        var modified = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (k, v) in labels ?? new Dictionary<string, string>())
        {
            if (old is null || !old.TryGetValue(k, out var was) || was != v)
            {
                modified.Add(k);
            }
        }

        foreach (var k in old?.Keys ?? [])
        {
            if (labels is null || !labels.ContainsKey(k))
            {
                modified.Add(k);
            }
        }

        return modified;
    }

    /// <summary>Of the changed labels, those a node may not set: node-restriction ones, and kubernetes.io/k8s.io
    /// ones other than the kubelet's own.</summary>
    private static List<string> ForbiddenLabels(SortedSet<string> modified) =>
        modified.Where(label =>
        {
            var ns = LabelNamespace(label);
            return InNamespace(ns, NodeRestrictionLabelNamespace) || (IsKubernetesLabel(ns) && !IsKubeletLabel(label, ns));
        }).ToList();

    private static bool IsKubernetesLabel(string ns) => InNamespace(ns, "kubernetes.io") || InNamespace(ns, "k8s.io");

    private static bool IsKubeletLabel(string label, string ns) => KubeletLabels.Contains(label) || KubeletLabelNamespaces.Any(allowed => InNamespace(ns, allowed));

    private static bool InNamespace(string ns, string parent) => ns == parent || ns.EndsWith("." + parent, StringComparison.Ordinal);

    private static string LabelNamespace(string key) => key.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? key[..slash] : string.Empty;

    private static bool SameLabels(IDictionary<string, string>? a, IDictionary<string, string>? b) => ModifiedLabels(a, b).Count == 0;

    private static object? NullIfEmpty<T>(IList<T>? list) => list is { Count: > 0 } ? list : null;

    private static bool SameJson(object? a, object? b) =>
        (a is null && b is null) || (a is not null && b is not null && k8s.KubernetesJson.Serialize(a) == k8s.KubernetesJson.Serialize(b));
}
