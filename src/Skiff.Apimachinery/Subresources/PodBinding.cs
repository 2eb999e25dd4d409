using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Subresources;

/// <summary>
/// The <c>pods/binding</c> subresource (what the scheduler POSTs): Kubernetes' <c>assignPod</c>. A binding names a
/// node; the pod gets <c>spec.nodeName</c> and a True PodScheduled condition. Binding a pod that is already bound or
/// being deleted is a conflict.
/// </summary>
public static class PodBinding
{
    /// <summary>Errors in the Binding itself (a target node is required).</summary>
    public static IReadOnlyList<FieldError> Validate(V1Binding binding) =>
        string.IsNullOrEmpty(binding.Target?.Name) ? [FieldErrors.Required("target.name")] : [];

    /// <summary>
    /// Binds <paramref name="pod"/> to the binding's node, or returns the conflict message the registry must send
    /// as a 409 (e.g. <c>pod web-0 is already assigned to node "node-1"</c>); null on success.
    /// </summary>
    public static string? TryBind(V1Pod pod, V1Binding binding, DateTimeOffset now)
    {
        var name = pod.Metadata?.Name;
        if (pod.Metadata?.DeletionTimestamp is not null)
        {
            return $"pod {name} is being deleted, cannot be assigned to a host";
        }

        var spec = pod.Spec ??= new V1PodSpec();
        if (!string.IsNullOrEmpty(spec.NodeName))
        {
            return $"pod {name} is already assigned to node \"{spec.NodeName}\"";
        }

        spec.NodeName = binding.Target.Name;
        var status = pod.Status ??= new V1PodStatus();
        var conditions = status.Conditions ??= [];
        var scheduled = conditions.FirstOrDefault(c => c.Type == "PodScheduled");
        if (scheduled is null)
        {
            scheduled = new V1PodCondition { Type = "PodScheduled" };
            conditions.Add(scheduled);
        }

        scheduled.Status = "True";
        scheduled.LastTransitionTime = Timestamps.Truncate(now);
        scheduled.Reason = null;
        scheduled.Message = null;

        // Annotations on the binding are copied onto the pod, as Kubernetes does.
        foreach (var (key, value) in binding.Metadata?.Annotations ?? new Dictionary<string, string>())
        {
            (pod.Metadata!.Annotations ??= new Dictionary<string, string>())[key] = value;
        }

        return null;
    }
}
