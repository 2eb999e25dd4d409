using k8s.Models;

namespace Skiff.ApiServer.Authorization.Rbac;

/// <summary>Whether one PolicyRule covers a request (upstream's RuleAllows: verbs, apiGroups, resources incl.
/// <c>pods/status</c> and <c>*/scale</c>, resourceNames, nonResourceURLs with a trailing <c>*</c>).</summary>
public static class RuleMatcher
{
    public static bool Allows(V1PolicyRule rule, AuthorizationAttributes a)
    {
        if (!Contains(rule.Verbs, a.Verb))
        {
            return false;
        }

        if (!a.IsResourceRequest)
        {
            return NonResourceMatches(rule.NonResourceURLs, a.Path);
        }

        return Contains(rule.ApiGroups, a.ApiGroup)
            && ResourceMatches(rule.Resources, a.Resource, a.Subresource)
            && (rule.ResourceNames is not { Count: > 0 } names || (a.Name.Length > 0 && names.Contains(a.Name)));
    }

    private static bool Contains(IList<string>? values, string value)
    {
        if (values is null)
        {
            return false;
        }

        foreach (var v in values)
        {
            if (v == "*" || v == value)
            {
                return true;
            }
        }

        return false;
    }

    private static bool ResourceMatches(IList<string>? resources, string resource, string subresource)
    {
        if (resources is null)
        {
            return false;
        }

        var combined = subresource.Length == 0 ? resource : resource + "/" + subresource;
        foreach (var r in resources)
        {
            if (r == "*" || r == combined)
            {
                return true;
            }

            // "*/scale" matches the scale subresource of any resource.
            if (subresource.Length > 0 && r.Length == subresource.Length + 2 && r.StartsWith("*/", StringComparison.Ordinal) && r.EndsWith(subresource, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool NonResourceMatches(IList<string>? urls, string path)
    {
        if (urls is null)
        {
            return false;
        }

        foreach (var url in urls)
        {
            if (url == "*" || url == path || (url.EndsWith('*') && path.StartsWith(url[..^1], StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }
}
