using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.ApiServer.Authorization.Rbac.Escalation;

/// <summary>
/// How escalation refusals describe the missing rules, as upstream: rules of one group and one resource that differ
/// only by verb are merged (CompactRules), each is printed as <c>{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}</c>
/// (rbacv1helpers.CompactString, Go's <c>%q</c> of a string slice), and the lines are sorted and de-duplicated.
/// </summary>
public static class RuleDescriptions
{
    /// <summary>The missing rules as the sorted, distinct lines upstream joins with newlines.</summary>
    public static IReadOnlyList<string> Lines(IEnumerable<V1PolicyRule> missing) =>
        Compact(missing).Select(CompactString).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>Merges the verbs of rules that name exactly one group and one resource and nothing else.</summary>
    public static List<V1PolicyRule> Compact(IEnumerable<V1PolicyRule> rules)
    {
        var compacted = new List<V1PolicyRule>();
        var simple = new Dictionary<(string Group, string Resource), V1PolicyRule>();
        var simpleOrder = new List<V1PolicyRule>();
        foreach (var rule in rules)
        {
            if (rule is { ResourceNames: not { Count: > 0 }, NonResourceURLs: not { Count: > 0 }, ApiGroups: [var group], Resources: [var resource] })
            {
                if (simple.TryGetValue((group, resource), out var existing))
                {
                    existing.Verbs = [.. existing.Verbs ?? [], .. rule.Verbs ?? []];
                }
                else
                {
                    var copy = new V1PolicyRule { ApiGroups = [group], Resources = [resource], Verbs = [.. rule.Verbs ?? []] };
                    simple[(group, resource)] = copy;
                    simpleOrder.Add(copy);
                }
            }
            else
            {
                compacted.Add(rule);
            }
        }

        compacted.AddRange(simpleOrder);
        return compacted;
    }

    /// <summary><c>{APIGroups:[""], Resources:["secrets"], ResourceNames:["db"], Verbs:["get" "list"]}</c>; empty parts left out.</summary>
    public static string CompactString(V1PolicyRule rule)
    {
        var parts = new List<string>();
        Add("APIGroups", rule.ApiGroups);
        Add("Resources", rule.Resources);
        Add("NonResourceURLs", rule.NonResourceURLs);
        Add("ResourceNames", rule.ResourceNames);
        Add("Verbs", rule.Verbs);
        return "{" + string.Join(", ", parts) + "}";

        void Add(string field, IList<string>? values)
        {
            if (values is { Count: > 0 })
            {
                parts.Add(field + ":" + QuoteList(values));
            }
        }
    }

    /// <summary>Go's <c>%q</c> of a string slice: <c>["a" "b"]</c>.</summary>
    public static string QuoteList(IEnumerable<string> values) => "[" + string.Join(" ", values.Select(GoFormat.Quote)) + "]";
}
