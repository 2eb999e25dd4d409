using k8s.Models;

namespace Skiff.Apimachinery.Printing;

/// <summary>How the printers render labels and selectors (Kubernetes' <c>labels.FormatLabels</c> and
/// <c>LabelSelectorAsSelector(...).String()</c>), and the CONTAINERS / IMAGES cells of workload printers.</summary>
public static class LabelFormatting
{
    /// <summary><c>a=b,c=d</c> sorted by key, or <c>&lt;none&gt;</c> when empty.</summary>
    public static string FormatLabels(IDictionary<string, string>? labels) =>
        labels is null || labels.Count == 0
            ? "<none>"
            : string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    /// <summary>A label selector as a selector string, e.g. <c>app=web,tier in (a,b),!legacy</c>; empty for an empty
    /// or missing selector.</summary>
    public static string FormatSelector(V1LabelSelector? selector)
    {
        if (selector is null)
        {
            return string.Empty;
        }

        var requirements = new List<(string Key, string Text)>();
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            requirements.Add((key, $"{key}={value}"));
        }

        foreach (var expression in selector.MatchExpressions ?? [])
        {
            var values = string.Join(",", (expression.Values ?? []).Order(StringComparer.Ordinal));
            var text = expression.OperatorProperty switch
            {
                "In" => $"{expression.Key} in ({values})",
                "NotIn" => $"{expression.Key} notin ({values})",
                "Exists" => expression.Key,
                "DoesNotExist" => "!" + expression.Key,
                _ => $"{expression.Key} {expression.OperatorProperty} ({values})",
            };
            requirements.Add((expression.Key, text));
        }

        return string.Join(",", requirements.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Text));
    }

    /// <summary>Container names joined by commas.</summary>
    public static string ContainerNames(V1PodTemplateSpec? template) =>
        string.Join(",", (template?.Spec?.Containers ?? []).Select(c => c.Name));

    /// <summary>Container images joined by commas.</summary>
    public static string ContainerImages(V1PodTemplateSpec? template) =>
        string.Join(",", (template?.Spec?.Containers ?? []).Select(c => c.Image));
}
