using Skiff.Api.Selection;
using System.Globalization;
using System.Text;
using k8s.Models;
using Skiff.Apimachinery.Strategies.Pods;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Workloads;

/// <summary>
/// What workload kinds share: the pod template's defaults and validation, label selectors (valid, non-empty,
/// matching the template's labels with Kubernetes' message), and non-negative counts.
/// </summary>
public static class PodTemplateRules
{
    public static void ApplyDefaults(V1PodTemplateSpec? template)
    {
        if (template is not null)
        {
            PodDefaults.ApplyToSpec(template.Spec ??= new V1PodSpec());
        }
    }

    /// <summary>ValidateLabelSelector plus "empty selector is invalid for &lt;kind&gt;".</summary>
    public static IEnumerable<FieldError> ValidateSelector(V1LabelSelector? selector, string path, string kindWord)
    {
        if (selector is null)
        {
            yield return FieldErrors.Required(path);
            yield break;
        }

        foreach (var error in ObjectMetaValidator.ValidateLabels(selector.MatchLabels, $"{path}.matchLabels"))
        {
            yield return error;
        }

        var expressions = selector.MatchExpressions ?? [];
        for (var i = 0; i < expressions.Count; i++)
        {
            var expression = expressions[i];
            var at = $"{path}.matchExpressions[{i}]";
            foreach (var error in FieldErrors.InvalidEach($"{at}.key", expression.Key ?? string.Empty, NameRules.QualifiedName(expression.Key ?? string.Empty)))
            {
                yield return error;
            }

            switch (expression.OperatorProperty)
            {
                case "In" or "NotIn":
                    if (expression.Values is not { Count: > 0 })
                    {
                        yield return FieldErrors.Required($"{at}.values", "must be specified when `operator` is 'In' or 'NotIn'");
                    }

                    break;
                case "Exists" or "DoesNotExist":
                    if (expression.Values is { Count: > 0 })
                    {
                        yield return FieldErrors.Forbidden($"{at}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
                    }

                    break;
                default:
                    yield return FieldErrors.Invalid($"{at}.operator", expression.OperatorProperty, "not a valid selector operator");
                    break;
            }
        }

        if ((selector.MatchLabels?.Count ?? 0) + expressions.Count == 0)
        {
            yield return FieldErrors.Invalid(path, GoValue.Selector(selector), $"empty selector is invalid for {kindWord}");
        }
    }

    /// <summary>The template exists, its labels match the selector, and its pod spec is valid.</summary>
    public static IEnumerable<FieldError> ValidateTemplate(V1PodTemplateSpec? template, V1LabelSelector? selector, string path)
    {
        if (template is null)
        {
            yield return FieldErrors.Required(path);
            yield break;
        }

        if (selector is not null && !LabelSelectors.IsEmpty(selector) && !LabelSelectors.Matches(selector, template.Metadata?.Labels))
        {
            yield return FieldErrors.Invalid($"{path}.metadata.labels", GoValue.StringMap(template.Metadata?.Labels), "`selector` does not match template `labels`");
        }

        foreach (var error in ObjectMetaValidator.ValidateLabels(template.Metadata?.Labels, $"{path}.metadata.labels"))
        {
            yield return error;
        }

        foreach (var error in ObjectMetaValidator.ValidateAnnotations(template.Metadata?.Annotations, $"{path}.metadata.annotations"))
        {
            yield return error;
        }

        foreach (var error in PodSpecValidator.Validate(template.Spec, $"{path}.spec"))
        {
            yield return error;
        }
    }

    /// <summary>Controllers of long-running pods (ReplicaSet, Deployment, DaemonSet) only allow restartPolicy Always
    /// and no activeDeadlineSeconds.</summary>
    public static IEnumerable<FieldError> ValidateAlwaysRestart(V1PodTemplateSpec? template, string path, string kindWord)
    {
        var spec = template?.Spec;
        if (spec is null)
        {
            yield break;
        }

        if (!string.IsNullOrEmpty(spec.RestartPolicy) && spec.RestartPolicy != "Always")
        {
            yield return FieldErrors.NotSupported($"{path}.spec.restartPolicy", spec.RestartPolicy, ["Always"]);
        }

        if (spec.ActiveDeadlineSeconds is { } deadline)
        {
            yield return FieldErrors.Invalid($"{path}.spec.activeDeadlineSeconds", deadline, $"activeDeadlineSeconds in {kindWord} is not Supported");
        }
    }

    public static IEnumerable<FieldError> NonNegative(string path, long? value)
    {
        if (value is < 0)
        {
            yield return FieldErrors.Invalid(path, value, "must be greater than or equal to 0");
        }
    }
}

/// <summary>Bad values rendered the way Go's <c>%#v</c> prints them in Kubernetes messages.</summary>
public sealed class GoValue(string text)
{
    public override string ToString() => text;

    /// <summary><c>map[string]string{"app":"web"}</c>, keys sorted; <c>map[string]string(nil)</c> when missing.</summary>
    public static GoValue StringMap(IDictionary<string, string>? map)
    {
        if (map is null)
        {
            return new("map[string]string(nil)");
        }

        var text = new StringBuilder("map[string]string{");
        var first = true;
        foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!first)
            {
                text.Append(", ");
            }

            first = false;
            text.Append('"').Append(key).Append("\":\"").Append(value).Append('"');
        }

        return new(text.Append('}').ToString());
    }

    /// <summary>A label selector in its selector-string form, e.g. <c>app=web</c>.</summary>
    public static GoValue Selector(V1LabelSelector? selector) =>
        new(string.Create(CultureInfo.InvariantCulture, $"\"{Printing.LabelFormatting.FormatSelector(selector)}\""));
}
