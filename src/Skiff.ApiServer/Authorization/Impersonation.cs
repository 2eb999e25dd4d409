using Microsoft.AspNetCore.Http;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Authorization;

/// <summary>
/// Upstream's impersonation filter (<c>kubectl --as</c>, <c>--as-group</c>): the <c>Impersonate-User</c> and
/// <c>Impersonate-Group</c> headers make the request act as that user, once the real user is allowed the
/// <c>impersonate</c> verb on each (<c>users</c>, <c>groups</c>, or <c>serviceaccounts</c> in the account's
/// namespace); a refusal is upstream's 403. The impersonated user gets <c>system:authenticated</c> (and a service
/// account its <c>system:serviceaccounts</c> groups) as upstream adds them.
/// </summary>
public static class Impersonation
{
    public const string UserHeader = "Impersonate-User";
    public const string GroupHeader = "Impersonate-Group";
    private const string ServiceAccountPrefix = "system:serviceaccount:";

    /// <summary>The user the request acts as: <paramref name="user"/>, or whom it may and does impersonate.</summary>
    public static UserInfo Apply(HttpRequest request, UserInfo user, IAuthorizer authorizer)
    {
        var asUser = request.Headers[UserHeader].ToString();
        var asGroups = request.Headers[GroupHeader].Where(g => !string.IsNullOrEmpty(g)).Select(g => g!).ToList();
        if (asUser.Length == 0)
        {
            if (asGroups.Count > 0)
            {
                throw new ApiException(StatusErrors.Status(403, "Forbidden", $"requested groups [{string.Join(" ", asGroups)}] without impersonating a user"));
            }

            return user;
        }

        var groups = RequestAttributes.GroupsOf(user);
        if (asUser.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal) && asUser[ServiceAccountPrefix.Length..].Split(':') is [var ns, var name])
        {
            Check(authorizer, user, groups, "serviceaccounts", name, ns);
            asGroups.AddRange(["system:serviceaccounts", "system:serviceaccounts:" + ns]);
        }
        else
        {
            Check(authorizer, user, groups, "users", asUser, string.Empty);
        }

        foreach (var group in asGroups.Distinct(StringComparer.Ordinal).ToList())
        {
            if (!group.StartsWith("system:serviceaccounts", StringComparison.Ordinal) || !asUser.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal))
            {
                Check(authorizer, user, groups, "groups", group, string.Empty);
            }
        }

        if (asUser != "system:anonymous" && !asGroups.Contains(RequestAttributes.Authenticated))
        {
            asGroups.Add(RequestAttributes.Authenticated);
        }

        return new UserInfo(asUser, asGroups.Distinct(StringComparer.Ordinal).ToList());
    }

    private static void Check(IAuthorizer authorizer, UserInfo user, IReadOnlyList<string> groups, string resource, string name, string ns)
    {
        var attributes = new AuthorizationAttributes
        {
            User = user.Name,
            Groups = groups,
            Verb = "impersonate",
            IsResourceRequest = true,
            Resource = resource,
            Namespace = ns,
            Name = name,
        };
        var (decision, reason) = authorizer.Authorize(attributes);
        if (decision != Decision.Allow)
        {
            throw StatusErrors.Forbidden(attributes, reason);
        }
    }
}
