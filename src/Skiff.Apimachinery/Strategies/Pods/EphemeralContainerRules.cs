using k8s;
using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Pods;

/// <summary>
/// Upstream's rules for <c>spec.ephemeralContainers</c> (what <c>kubectl debug</c> adds through the
/// <c>pods/ephemeralcontainers</c> subresource): none on create; existing ones may be neither removed nor changed;
/// new ones need a unique DNS-label name and an image, may name a <c>targetContainerName</c> of the pod, and may not
/// set ports, probes, lifecycle, resources or a restart policy ("cannot be set for an Ephemeral Container").
/// </summary>
public static class EphemeralContainerRules
{
    private const string Path = "spec.ephemeralContainers";
    private const string NotAllowed = "cannot be set for an Ephemeral Container";

    /// <summary>The container defaults of each ephemeral container (pull policy, termination message).</summary>
    public static void ApplyDefaults(V1PodSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        foreach (var ephemeral in spec.EphemeralContainers ?? [])
        {
            if (string.IsNullOrEmpty(ephemeral.ImagePullPolicy))
            {
                ephemeral.ImagePullPolicy = PodDefaults.ImagePullPolicyFor(ephemeral.Image);
            }

            if (string.IsNullOrEmpty(ephemeral.TerminationMessagePath))
            {
                ephemeral.TerminationMessagePath = "/dev/termination-log";
            }

            if (string.IsNullOrEmpty(ephemeral.TerminationMessagePolicy))
            {
                ephemeral.TerminationMessagePolicy = "File";
            }
        }
    }

    /// <summary>A pod is created without ephemeral containers.</summary>
    public static IEnumerable<FieldError> ValidateCreate(V1PodSpec? spec)
    {
        if (spec?.EphemeralContainers is { Count: > 0 })
        {
            yield return FieldErrors.Forbidden(Path, "cannot be set on create");
        }
    }

    /// <summary>The ephemeral containers of <paramref name="spec"/> against the pod's <paramref name="old"/> spec.</summary>
    public static IReadOnlyList<FieldError> ValidateUpdate(V1PodSpec spec, V1PodSpec old)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(old);
        var errors = new List<FieldError>();
        var updated = spec.EphemeralContainers ?? [];
        var previous = old.EphemeralContainers ?? [];
        for (var i = 0; i < previous.Count; i++)
        {
            var before = previous[i];
            var after = updated.FirstOrDefault(e => e.Name == before.Name);
            if (after is null)
            {
                errors.Add(FieldErrors.Forbidden(Path, $"existing ephemeral containers \"{before.Name}\" may not be removed\n"));
            }
            else if (KubernetesJson.Serialize(before) != KubernetesJson.Serialize(after))
            {
                errors.Add(FieldErrors.Forbidden($"{Path}[{i}]", $"existing ephemeral containers \"{before.Name}\" may not be changed\n"));
            }
        }

        var names = new HashSet<string>(
            (spec.InitContainers ?? []).Select(c => c.Name).Concat((spec.Containers ?? []).Select(c => c.Name)), StringComparer.Ordinal);
        var targets = new HashSet<string>(names, StringComparer.Ordinal);
        for (var i = 0; i < updated.Count; i++)
        {
            errors.AddRange(ValidateOne(updated[i], $"{Path}[{i}]", names, targets));
        }

        return errors;
    }

    private static IEnumerable<FieldError> ValidateOne(V1EphemeralContainer ephemeral, string path, HashSet<string> names, HashSet<string> targets)
    {
        if (string.IsNullOrEmpty(ephemeral.Name))
        {
            yield return FieldErrors.Required(path + ".name");
        }
        else
        {
            foreach (var message in NameRules.Dns1123Label(ephemeral.Name))
            {
                yield return FieldErrors.Invalid(path + ".name", ephemeral.Name, message);
            }

            if (!names.Add(ephemeral.Name))
            {
                yield return FieldErrors.Duplicate(path + ".name", ephemeral.Name);
            }
        }

        if (string.IsNullOrWhiteSpace(ephemeral.Image))
        {
            yield return FieldErrors.Required(path + ".image");
        }

        if (ephemeral.TargetContainerName is { Length: > 0 } target && !targets.Contains(target))
        {
            yield return FieldErrors.NotFound(path + ".targetContainerName", target);
        }

        var forbidden = new (string Field, bool Set)[]
        {
            ("lifecycle", ephemeral.Lifecycle is not null),
            ("livenessProbe", ephemeral.LivenessProbe is not null),
            ("ports", ephemeral.Ports is { Count: > 0 }),
            ("readinessProbe", ephemeral.ReadinessProbe is not null),
            ("resizePolicy", ephemeral.ResizePolicy is { Count: > 0 }),
            ("resources", ephemeral.Resources is { } r && (r.Limits is { Count: > 0 } || r.Requests is { Count: > 0 } || r.Claims is { Count: > 0 })),
            ("restartPolicy", ephemeral.RestartPolicy is not null),
            ("startupProbe", ephemeral.StartupProbe is not null),
        };
        foreach (var (field, set) in forbidden)
        {
            if (set)
            {
                yield return FieldErrors.Forbidden($"{path}.{field}", NotAllowed);
            }
        }

        foreach (var (mount, index) in (ephemeral.VolumeMounts ?? []).Select((m, i) => (m, i)))
        {
            if (!string.IsNullOrEmpty(mount.SubPath) || !string.IsNullOrEmpty(mount.SubPathExpr))
            {
                yield return FieldErrors.Forbidden($"{path}.volumeMounts[{index}].subPath", "cannot be set for an Ephemeral Container");
            }
        }
    }
}
