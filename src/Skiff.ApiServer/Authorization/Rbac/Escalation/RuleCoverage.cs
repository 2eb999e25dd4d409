using k8s.Models;

namespace Skiff.ApiServer.Authorization.Rbac.Escalation;

/// <summary>
/// Whether a set of rules covers another (upstream's validation.Covers): every rule asked for is broken down into
/// rules of one API group, one resource, one verb and at most one resource name (or one non-resource URL and one
/// verb); each of those must be covered by a single rule held. What is left uncovered is returned.
/// </summary>
public static class RuleCoverage
{
    /// <summary>The parts of <paramref name="requested"/> that no rule of <paramref name="held"/> covers (empty: covered).</summary>
    public static List<V1PolicyRule> Uncovered(IReadOnlyCollection<V1PolicyRule> held, IEnumerable<V1PolicyRule> requested)
    {
        var uncovered = new List<V1PolicyRule>();
        foreach (var rule in requested)
        {
            foreach (var part in Breakdown(rule))
            {
                if (!held.Any(owner => Covers(owner, part)))
                {
                    uncovered.Add(part);
                }
            }
        }

        return uncovered;
    }

    /// <summary>The rule as rules of at most one group, resource, verb and resource name (or one URL and one verb).</summary>
    public static IEnumerable<V1PolicyRule> Breakdown(V1PolicyRule rule)
    {
        var verbs = rule.Verbs ?? [];
        foreach (var group in rule.ApiGroups ?? [])
        {
            foreach (var resource in rule.Resources ?? [])
            {
                foreach (var verb in verbs)
                {
                    if (rule.ResourceNames is { Count: > 0 } names)
                    {
                        foreach (var name in names)
                        {
                            yield return new V1PolicyRule { ApiGroups = [group], Resources = [resource], Verbs = [verb], ResourceNames = [name] };
                        }
                    }
                    else
                    {
                        yield return new V1PolicyRule { ApiGroups = [group], Resources = [resource], Verbs = [verb] };
                    }
                }
            }
        }

        foreach (var url in rule.NonResourceURLs ?? [])
        {
            foreach (var verb in verbs)
            {
                yield return new V1PolicyRule { NonResourceURLs = [url], Verbs = [verb] };
            }
        }
    }

    /// <summary>Whether <paramref name="owner"/> (any shape) covers <paramref name="part"/> (one of <see cref="Breakdown"/>'s).</summary>
    public static bool Covers(V1PolicyRule owner, V1PolicyRule part)
    {
        var verbs = Has(owner.Verbs, "*") || HasAll(owner.Verbs, part.Verbs);
        var groups = Has(owner.ApiGroups, "*") || HasAll(owner.ApiGroups, part.ApiGroups);
        var resources = ResourcesCover(owner.Resources, part.Resources);
        var urls = UrlsCover(owner.NonResourceURLs, part.NonResourceURLs);
        var names = owner.ResourceNames is not { Count: > 0 } || (part.ResourceNames is { Count: > 0 } && HasAll(owner.ResourceNames, part.ResourceNames));
        return verbs && groups && resources && urls && names;
    }

    private static bool Has(IList<string>? set, string value) => set is not null && set.Contains(value);

    private static bool HasAll(IList<string>? set, IList<string>? values) => values is null || values.All(v => Has(set, v));

    private static bool ResourcesCover(IList<string>? owner, IList<string>? wanted)
    {
        if (Has(owner, "*") || HasAll(owner, wanted))
        {
            return true;
        }

        foreach (var path in wanted ?? [])
        {
            if (Has(owner, path))
            {
                continue;
            }

            // "*/scale" covers the scale subresource of every resource.
            var slash = path.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || !Has(owner, "*" + path[slash..]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool UrlsCover(IList<string>? owner, IList<string>? wanted) =>
        (wanted ?? []).All(path => (owner ?? []).Any(o => o == path || (o.EndsWith('*') && path.StartsWith(o.TrimEnd('*'), StringComparison.Ordinal))));
}
