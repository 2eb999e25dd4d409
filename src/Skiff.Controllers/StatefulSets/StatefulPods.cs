using System.Globalization;
using k8s.Models;

namespace Skiff.Controllers.StatefulSets;

/// <summary>Identity of stateful pods (upstream's stateful_set_utils): <c>name-ordinal</c>, hostname and subdomain,
/// the pod-name / pod-index / controller-revision-hash labels.</summary>
public static class StatefulPods
{
    public const string PodNameLabel = "statefulset.kubernetes.io/pod-name";
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";
    public const string RevisionLabel = "controller-revision-hash";

    public static string Name(V1StatefulSet set, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(set);
        return $"{set.Metadata.Name}-{ordinal.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>The ordinal in a pod's name (<c>parent-N</c>), or -1 when the name is not of that form.</summary>
    public static int Ordinal(V1StatefulSet set, V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(pod);
        var prefix = set.Metadata.Name + "-";
        var name = pod.Metadata.Name;
        return name.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal)
            && ordinal.ToString(CultureInfo.InvariantCulture) == name[prefix.Length..]
                ? ordinal
                : -1;
    }

    public static string? Revision(V1Pod pod) =>
        pod?.Metadata.Labels is { } labels && labels.TryGetValue(RevisionLabel, out var value) ? value : null;

    /// <summary>upstream's newVersionedStatefulSetPod: the template's pod with its stable identity.</summary>
    public static V1Pod New(V1StatefulSet set, int ordinal, string revision, V1OwnerReference owner)
    {
        ArgumentNullException.ThrowIfNull(set);
        var template = set.Spec.Template;
        var name = Name(set, ordinal);
        var labels = template?.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : [];
        labels[PodNameLabel] = name;
        labels[PodIndexLabel] = ordinal.ToString(CultureInfo.InvariantCulture);
        labels[RevisionLabel] = revision;
        var spec = template?.Spec is { } s ? Skiff.Client.ObjectCopy.Clone(s) : new V1PodSpec();
        spec.Hostname = name;
        spec.Subdomain = string.IsNullOrEmpty(set.Spec.ServiceName) ? null : set.Spec.ServiceName;
        StatefulClaims.AddVolumes(spec, set, ordinal);
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = set.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = template?.Metadata?.Annotations is { } annotations ? new Dictionary<string, string>(annotations) : null,
                Finalizers = template?.Metadata?.Finalizers?.ToList(),
                OwnerReferences = [owner],
            },
            Spec = spec,
        };
    }
}
