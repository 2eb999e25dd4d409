using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Pods;

/// <summary>
/// Kubernetes' <c>ValidatePodUpdate</c> rule for the spec: everything is immutable except container and init
/// container images, activeDeadlineSeconds (set or lowered), tolerations (additions, lower tolerationSeconds) and
/// terminationGracePeriodSeconds (from negative to 1). The changed fields are "munged" back to their old values and
/// the rest must be equal.
/// </summary>
public static class PodUpdateRules
{
    public const string ForbiddenMessage =
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    public static IReadOnlyList<FieldError> ValidateSpecUpdate(V1PodSpec? spec, V1PodSpec? old)
    {
        var errors = new List<FieldError>();
        if (spec is null || old is null)
        {
            return errors;
        }

        var munged = KubernetesJson.Deserialize<V1PodSpec>(KubernetesJson.Serialize(spec));
        KeepImages(munged.Containers, old.Containers);
        KeepImages(munged.InitContainers, old.InitContainers);

        if (spec.ActiveDeadlineSeconds is { } deadline)
        {
            if (old.ActiveDeadlineSeconds is null || (deadline > 0 && deadline <= old.ActiveDeadlineSeconds))
            {
                munged.ActiveDeadlineSeconds = old.ActiveDeadlineSeconds;
            }
            else if (deadline > old.ActiveDeadlineSeconds)
            {
                errors.Add(FieldErrors.Invalid("spec.activeDeadlineSeconds", deadline, "must be less than or equal to previous value"));
                munged.ActiveDeadlineSeconds = old.ActiveDeadlineSeconds;
            }
        }
        else if (old.ActiveDeadlineSeconds is not null)
        {
            errors.Add(FieldErrors.Invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value"));
            munged.ActiveDeadlineSeconds = old.ActiveDeadlineSeconds;
        }

        if (OnlyAddsTolerations(spec.Tolerations, old.Tolerations))
        {
            munged.Tolerations = old.Tolerations;
        }

        if (old.TerminationGracePeriodSeconds < 0 && spec.TerminationGracePeriodSeconds == 1)
        {
            munged.TerminationGracePeriodSeconds = old.TerminationGracePeriodSeconds;
        }

        var mungedJson = JsonNode.Parse(KubernetesJson.Serialize(munged))!.AsObject();
        var oldJson = JsonNode.Parse(KubernetesJson.Serialize(old))!.AsObject();
        if (!JsonNode.DeepEquals(mungedJson, oldJson))
        {
            errors.Add(FieldErrors.Forbidden("spec", ForbiddenMessage + "\n" + Diff(oldJson, mungedJson)));
        }

        return errors;
    }

    private static void KeepImages(IList<V1Container>? containers, IList<V1Container>? old)
    {
        if (containers is null || old is null || containers.Count != old.Count)
        {
            return;
        }

        for (var i = 0; i < containers.Count; i++)
        {
            if (!string.IsNullOrEmpty(containers[i].Image))
            {
                containers[i].Image = old[i].Image;
            }
        }
    }

    private static bool OnlyAddsTolerations(IList<V1Toleration>? tolerations, IList<V1Toleration>? old) =>
        (old ?? []).All(existing => (tolerations ?? []).Any(t =>
            t.Key == existing.Key && t.OperatorProperty == existing.OperatorProperty && t.Value == existing.Value
            && t.Effect == existing.Effect
            && (t.TolerationSeconds == existing.TolerationSeconds
                || (existing.TolerationSeconds is not null && t.TolerationSeconds is not null && t.TolerationSeconds <= existing.TolerationSeconds))));

    /// <summary>The top-level spec fields that differ, old (-) and new (+), one per line (upstream prints a Go
    /// cmp.Diff here; the lines differ but say the same).</summary>
    private static string Diff(JsonObject old, JsonObject updated)
    {
        var text = new StringBuilder();
        foreach (var key in old.Select(p => p.Key).Union(updated.Select(p => p.Key)).Order(StringComparer.Ordinal))
        {
            var before = old[key];
            var after = updated[key];
            if (!JsonNode.DeepEquals(before, after))
            {
                text.Append("  - ").Append(key).Append(": ").AppendLine(before?.ToJsonString() ?? "null");
                text.Append("  + ").Append(key).Append(": ").AppendLine(after?.ToJsonString() ?? "null");
            }
        }

        return text.ToString().TrimEnd('\n');
    }
}
