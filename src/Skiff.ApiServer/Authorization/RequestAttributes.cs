using Microsoft.AspNetCore.Http;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Authorization;

/// <summary>Builds the attributes of an HTTP request the way upstream's RequestInfoFactory names verbs.</summary>
public static class RequestAttributes
{
    public const string Authenticated = "system:authenticated";

    /// <summary>The groups an authenticated user has: its own plus <c>system:authenticated</c> (the anonymous user,
    /// in <c>system:unauthenticated</c>, has only its own).</summary>
    public static IReadOnlyList<string> GroupsOf(UserInfo user) =>
        user.Groups.Contains(Authenticated) || user.Groups.Contains(AnonymousUser.Group) ? user.Groups : [.. user.Groups, Authenticated];

    public static AuthorizationAttributes ForResource(UserInfo user, string method, IQueryCollection query, RequestInfo info)
    {
        var verb = ResourceVerb(method, info.Name is null, query);
        return new()
        {
            User = user.Name,
            Groups = GroupsOf(user),
            Verb = verb,
            IsResourceRequest = true,
            ApiGroup = info.Group,
            ApiVersion = info.Version,
            Resource = info.Resource ?? string.Empty,
            Subresource = info.Subresource ?? string.Empty,
            Namespace = info.Namespace ?? string.Empty,
            Name = info.Name ?? (verb is "list" or "watch" ? NameFromFieldSelector(query["fieldSelector"].ToString()) : null) ?? string.Empty,
        };
    }

    /// <summary>A list or watch of one object by <c>metadata.name=N</c> is about that object, as upstream's
    /// RequestInfoFactory says (so <c>resourceNames</c> rules and the node authorizer can allow it).</summary>
    public static string? NameFromFieldSelector(string selector)
    {
        if (selector.Length == 0 || selector.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }

        foreach (var op in (string[])["metadata.name==", "metadata.name="])
        {
            if (selector.StartsWith(op, StringComparison.Ordinal))
            {
                return selector[op.Length..];
            }
        }

        return null;
    }

    public static AuthorizationAttributes ForPath(UserInfo user, string method, string path) => new()
    {
        User = user.Name,
        Groups = GroupsOf(user),
        Verb = method switch
        {
            "POST" => "post",
            "PUT" => "put",
            "PATCH" => "patch",
            "DELETE" => "delete",
            "HEAD" => "head",
            "OPTIONS" => "options",
            _ => "get",
        },
        Path = path,
    };

    public static string ResourceVerb(string method, bool collection, IQueryCollection query) => (method, collection) switch
    {
        ("GET" or "HEAD", false) => query["watch"].ToString() is "true" or "1" or "True" ? "watch" : "get",
        ("GET" or "HEAD", true) => query["watch"].ToString() is "true" or "1" or "True" ? "watch" : "list",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", false) => "delete",
        ("DELETE", true) => "deletecollection",
        _ => method.ToLowerInvariant(),
    };
}
