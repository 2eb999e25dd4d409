using System.Text.Json.Nodes;
using Skiff.ApiServer.Authorization;

namespace Skiff.ApiServer.Audit;

/// <summary>One rule of an audit policy: each list given narrows what it matches (users, userGroups, verbs,
/// resources with group/resources/resourceNames, namespaces, nonResourceURLs), as upstream's ruleMatches.</summary>
public sealed record AuditPolicyRule
{
    public required AuditLevel Level { get; init; }

    public IReadOnlyList<string> Users { get; init; } = [];

    public IReadOnlyList<string> UserGroups { get; init; } = [];

    public IReadOnlyList<string> Verbs { get; init; } = [];

    public IReadOnlyList<GroupResources> Resources { get; init; } = [];

    public IReadOnlyList<string> Namespaces { get; init; } = [];

    public IReadOnlyList<string> NonResourceUrls { get; init; } = [];

    public IReadOnlySet<string> OmitStages { get; init; } = new HashSet<string>();

    /// <summary>Resources of one API group ("" is core); no resources means all of the group's.</summary>
    public sealed record GroupResources(string Group, IReadOnlyList<string> Resources, IReadOnlyList<string> ResourceNames);

    public bool Matches(AuthorizationAttributes a)
    {
        if (Users.Count > 0 && !Users.Contains(a.User))
        {
            return false;
        }

        if (UserGroups.Count > 0 && !a.Groups.Any(UserGroups.Contains))
        {
            return false;
        }

        if (Verbs.Count > 0 && !Verbs.Contains(a.Verb))
        {
            return false;
        }

        if (Namespaces.Count > 0 || Resources.Count > 0)
        {
            return MatchesResource(a);
        }

        if (NonResourceUrls.Count > 0)
        {
            return !a.IsResourceRequest && NonResourceUrls.Any(url => url == "*" || url == a.Path || (url.EndsWith('*') && a.Path.StartsWith(url[..^1], StringComparison.Ordinal)));
        }

        return true;
    }

    private bool MatchesResource(AuthorizationAttributes a)
    {
        if (!a.IsResourceRequest || (Namespaces.Count > 0 && !Namespaces.Contains(a.Namespace)))
        {
            return false;
        }

        if (Resources.Count == 0)
        {
            return true;
        }

        var combined = a.Subresource.Length > 0 ? a.Resource + "/" + a.Subresource : a.Resource;
        foreach (var gr in Resources)
        {
            if (gr.Group != a.ApiGroup)
            {
                continue;
            }

            if (gr.Resources.Count == 0)
            {
                return true;
            }

            if (gr.ResourceNames.Count > 0 && !gr.ResourceNames.Contains(a.Name))
            {
                continue;
            }

            foreach (var r in gr.Resources)
            {
                if (r == "*" || r == combined
                    || (a.Subresource.Length > 0 && r.StartsWith("*/", StringComparison.Ordinal) && r[2..] == a.Subresource)
                    || (r.EndsWith("/*", StringComparison.Ordinal) && r[..^2] == a.Resource))
                {
                    return true;
                }
            }
        }

        return false;
    }

    internal static AuditPolicyRule Parse(JsonObject rule, string field)
    {
        var levelText = (string?)rule["level"];
        if (!Enum.TryParse<AuditLevel>(levelText, ignoreCase: false, out var level) || levelText is null || !char.IsUpper(levelText[0]))
        {
            throw new FormatException($"{field}.level: Unsupported value: \"{levelText}\": supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\"");
        }

        var resources = new List<GroupResources>();
        foreach (var gr in rule["resources"]?.AsArray() ?? [])
        {
            resources.Add(new GroupResources((string?)gr?["group"] ?? string.Empty, AuditPolicy.Strings(gr?["resources"]), AuditPolicy.Strings(gr?["resourceNames"])));
        }

        var urls = AuditPolicy.Strings(rule["nonResourceURLs"]);
        if (urls.Count > 0 && (resources.Count > 0 || rule["namespaces"] is JsonArray { Count: > 0 }))
        {
            throw new FormatException($"{field}.nonResourceURLs: Invalid value: rules cannot apply to both regular resources and non-resource URLs");
        }

        return new AuditPolicyRule
        {
            Level = level,
            Users = AuditPolicy.Strings(rule["users"]),
            UserGroups = AuditPolicy.Strings(rule["userGroups"]),
            Verbs = AuditPolicy.Strings(rule["verbs"]),
            Resources = resources,
            Namespaces = AuditPolicy.Strings(rule["namespaces"]),
            NonResourceUrls = urls,
            OmitStages = AuditPolicy.Stages(rule["omitStages"], field + ".omitStages"),
        };
    }
}
