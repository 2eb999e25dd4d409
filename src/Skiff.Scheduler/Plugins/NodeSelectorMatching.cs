using System.Globalization;
using k8s.Models;

namespace Skiff.Scheduler.Plugins;

/// <summary>Node selector terms as upstream's nodeaffinity helpers read them: terms are ORed, the requirements of a
/// term ANDed; <c>matchFields</c> knows <c>metadata.name</c>.</summary>
public static class NodeSelectorMatching
{
    public static bool MatchesAny(IList<V1NodeSelectorTerm>? terms, V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        foreach (var term in terms ?? [])
        {
            if (Matches(term, node))
            {
                return true;
            }
        }

        return false;
    }

    public static bool Matches(V1NodeSelectorTerm term, V1Node node)
    {
        ArgumentNullException.ThrowIfNull(term);
        ArgumentNullException.ThrowIfNull(node);
        var expressions = term.MatchExpressions ?? [];
        var fields = term.MatchFields ?? [];
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return false; // an empty term matches no objects
        }

        foreach (var requirement in expressions)
        {
            string? value = null;
            var has = node.Metadata.Labels?.TryGetValue(requirement.Key, out value) ?? false;
            if (!Satisfies(requirement, has, value))
            {
                return false;
            }
        }

        foreach (var requirement in fields)
        {
            var has = requirement.Key == "metadata.name";
            if (!Satisfies(requirement, has, has ? node.Metadata.Name : null))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Satisfies(V1NodeSelectorRequirement requirement, bool has, string? value)
    {
        var values = requirement.Values ?? [];
        return requirement.OperatorProperty switch
        {
            "In" => has && values.Contains(value!),
            "NotIn" => !has || !values.Contains(value!),
            "Exists" => has,
            "DoesNotExist" => !has,
            "Gt" => has && values.Count == 1 && Compare(value!, values[0]) > 0,
            "Lt" => has && values.Count == 1 && Compare(value!, values[0]) < 0,
            _ => false,
        };
    }

    private static int Compare(string actual, string wanted) =>
        long.TryParse(actual, NumberStyles.Integer, CultureInfo.InvariantCulture, out var a) &&
        long.TryParse(wanted, NumberStyles.Integer, CultureInfo.InvariantCulture, out var w)
            ? a.CompareTo(w)
            : 0;
}
