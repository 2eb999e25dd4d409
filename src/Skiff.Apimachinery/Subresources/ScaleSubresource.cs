using k8s;
using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Subresources;

/// <summary>
/// The <c>scale</c> subresource of deployments, replica sets, stateful sets and replication controllers: the autoscaling/v1 Scale view of the object
/// (<c>kubectl scale</c> PATCHes it with a merge patch) and writing its replicas back.
/// </summary>
public static class ScaleSubresource
{
    /// <summary>Whether <paramref name="obj"/> has a scale subresource.</summary>
    public static bool Supports(IKubernetesObject<V1ObjectMeta> obj) => obj is V1Deployment or V1ReplicaSet or V1StatefulSet or V1ReplicationController;

    /// <summary>The Scale of a deployment or replica set: metadata (name, namespace, uid, resourceVersion,
    /// creationTimestamp), spec.replicas, status.replicas and the selector string.</summary>
    public static V1Scale ToScale(IKubernetesObject<V1ObjectMeta> obj)
    {
        var (desired, current, selector) = obj switch
        {
            V1Deployment d => (d.Spec?.Replicas ?? 0, d.Status?.Replicas ?? 0, d.Spec?.Selector),
            V1ReplicaSet r => (r.Spec?.Replicas ?? 0, r.Status?.Replicas ?? 0, r.Spec?.Selector),
            V1StatefulSet s => (s.Spec?.Replicas ?? 0, s.Status?.Replicas ?? 0, s.Spec?.Selector),
            V1ReplicationController c => (c.Spec?.Replicas ?? 0, c.Status?.Replicas ?? 0, c.Spec?.Selector is { } labels ? new V1LabelSelector { MatchLabels = labels } : null),
            _ => throw new ArgumentException($"{obj.GetType().Name} has no scale subresource.", nameof(obj)),
        };
        var meta = obj.Metadata ?? new V1ObjectMeta();
        return new V1Scale
        {
            ApiVersion = "autoscaling/v1",
            Kind = "Scale",
            Metadata = new V1ObjectMeta
            {
                Name = meta.Name,
                NamespaceProperty = meta.NamespaceProperty,
                Uid = meta.Uid,
                ResourceVersion = meta.ResourceVersion,
                CreationTimestamp = meta.CreationTimestamp,
            },
            Spec = new V1ScaleSpec { Replicas = desired },
            Status = new V1ScaleStatus { Replicas = current, Selector = LabelFormatting.FormatSelector(selector) },
        };
    }

    /// <summary>Validation of a Scale written by a client.</summary>
    public static IReadOnlyList<FieldError> Validate(V1Scale scale) =>
        scale.Spec?.Replicas is < 0
            ? [FieldErrors.Invalid("spec.replicas", scale.Spec.Replicas, "must be greater than or equal to 0")]
            : [];

    /// <summary>Copies the Scale's desired replicas into the object (then update it as a main-resource update, so
    /// generation grows).</summary>
    public static void ApplyReplicas(IKubernetesObject<V1ObjectMeta> obj, V1Scale scale)
    {
        var replicas = scale.Spec?.Replicas ?? 0;
        switch (obj)
        {
            case V1Deployment d:
                (d.Spec ??= new V1DeploymentSpec()).Replicas = replicas;
                break;
            case V1ReplicaSet r:
                (r.Spec ??= new V1ReplicaSetSpec()).Replicas = replicas;
                break;
            case V1StatefulSet s:
                (s.Spec ??= new V1StatefulSetSpec()).Replicas = replicas;
                break;
            case V1ReplicationController c:
                (c.Spec ??= new V1ReplicationControllerSpec()).Replicas = replicas;
                break;
            default:
                throw new ArgumentException($"{obj.GetType().Name} has no scale subresource.", nameof(obj));
        }
    }
}
