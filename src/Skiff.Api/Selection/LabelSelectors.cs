using k8s.Models;

namespace Skiff.Api.Selection;

/// <summary>
/// Matching of the structured <see cref="V1LabelSelector"/> (matchLabels and matchExpressions) as
/// <c>metav1.LabelSelectorAsSelector</c> does: a null selector selects nothing, an empty one everything.
/// </summary>
public static class LabelSelectors
{
    /// <summary>Whether <paramref name="labels"/> satisfy every requirement of <paramref name="selector"/>.</summary>
    public static bool Matches(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        if (selector is null)
        {
            return false;
        }

        if (selector.MatchLabels is { } required && !HasAll(labels, required))
        {
            return false;
        }

        if (selector.MatchExpressions is not { } expressions)
        {
            return true;
        }

        // Index loops, no enumerator boxed behind the interfaces: controllers match every pod of a ReplicaSet (30,000)
        // on every sync, and the scheduler every pod of a node against each affinity term.
        for (var i = 0; i < expressions.Count; i++)
        {
            var expression = expressions[i];
            string? actual = null;
            var has = labels is not null && labels.TryGetValue(expression.Key, out actual);
            var values = expression.Values ?? [];
            var ok = expression.OperatorProperty switch
            {
                "In" => has && values.Contains(actual!),
                "NotIn" => !has || !values.Contains(actual!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="labels"/> hold every key of <paramref name="required"/> with its value.</summary>
    public static bool HasAll(IDictionary<string, string>? labels, IDictionary<string, string> required)
    {
        ArgumentNullException.ThrowIfNull(required);
        if (required.Count == 0)
        {
            return true;
        }

        if (labels is null)
        {
            return false;
        }

        // The models' maps are Dictionary: its struct enumerator, not one boxed per call.
        if (required is Dictionary<string, string> map)
        {
            foreach (var (key, value) in map)
            {
                if (!labels.TryGetValue(key, out var actual) || actual != value)
                {
                    return false;
                }
            }

            return true;
        }

        foreach (var (key, value) in required)
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the selector has no requirement at all (selects everything).</summary>
    public static bool IsEmpty(V1LabelSelector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return (selector.MatchLabels?.Count ?? 0) + (selector.MatchExpressions?.Count ?? 0) == 0;
    }

    /// <summary>The selector in the text form of <c>kubectl -l</c> and list requests' <c>labelSelector</c>
    /// (<c>app=web,tier in (a,b)</c>), keys in the order given.</summary>
    public static string ToSelectorString(V1LabelSelector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var parts = new List<string>();
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            parts.Add($"{key}={value}");
        }

        foreach (var e in selector.MatchExpressions ?? [])
        {
            var values = string.Join(",", (e.Values ?? []).Order(StringComparer.Ordinal));
            parts.Add(e.OperatorProperty switch
            {
                "In" => $"{e.Key} in ({values})",
                "NotIn" => $"{e.Key} notin ({values})",
                "Exists" => e.Key,
                "DoesNotExist" => "!" + e.Key,
                _ => throw new ArgumentException($"{e.OperatorProperty} is not a valid label selector operator", nameof(selector)),
            });
        }

        return string.Join(",", parts);
    }
}
