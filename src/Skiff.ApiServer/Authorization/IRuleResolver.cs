using k8s.Models;

namespace Skiff.ApiServer.Authorization;

/// <summary>
/// An authorizer that can list what a user may do in a namespace (upstream's authorizer.RuleResolver), for
/// SelfSubjectRulesReview (<c>kubectl auth can-i --list</c>).
/// </summary>
public interface IRuleResolver
{
    SubjectRules RulesFor(string user, IReadOnlyList<string> groups, string ns);
}

/// <summary>
/// The rules one resolver (or the whole chain) knows for a user. <see cref="Incomplete"/> says that the user may do
/// more than listed (an authorizer that cannot enumerate its rules, such as the Node authorizer).
/// </summary>
public sealed record SubjectRules(IReadOnlyList<V1ResourceRule> ResourceRules, IReadOnlyList<V1NonResourceRule> NonResourceRules, bool Incomplete, string? EvaluationError)
{
    public static SubjectRules None { get; } = new([], [], false, null);

    /// <summary>RBAC policy rules split into upstream's resource and non-resource rule infos.</summary>
    public static SubjectRules FromPolicyRules(IEnumerable<V1PolicyRule> rules)
    {
        var resource = new List<V1ResourceRule>();
        var nonResource = new List<V1NonResourceRule>();
        foreach (var rule in rules)
        {
            if (rule.Resources is { Count: > 0 })
            {
                resource.Add(new V1ResourceRule
                {
                    Verbs = [.. rule.Verbs ?? []],
                    ApiGroups = [.. rule.ApiGroups ?? []],
                    Resources = [.. rule.Resources],
                    ResourceNames = rule.ResourceNames is { Count: > 0 } names ? [.. names] : null,
                });
            }

            if (rule.NonResourceURLs is { Count: > 0 } urls)
            {
                nonResource.Add(new V1NonResourceRule { Verbs = [.. rule.Verbs ?? []], NonResourceURLs = [.. urls] });
            }
        }

        return new SubjectRules(resource, nonResource, false, null);
    }
}
