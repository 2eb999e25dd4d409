namespace Skiff.ApiServer.Authorization;

/// <summary>
/// What a request asks to do, as upstream's authorizer.Attributes: who (user, groups), the verb (get, list, watch,
/// create, update, patch, delete, deletecollection, or proxy/impersonate/escalate/bind for checks made inside a
/// request) and either a resource (group, resource, subresource, namespace, name) or a non-resource path.
/// </summary>
public sealed record AuthorizationAttributes
{
    public required string User { get; init; }

    public IReadOnlyList<string> Groups { get; init; } = [];

    public required string Verb { get; init; }

    public bool IsResourceRequest { get; init; }

    public string ApiGroup { get; init; } = string.Empty;

    public string ApiVersion { get; init; } = string.Empty;

    public string Resource { get; init; } = string.Empty;

    public string Subresource { get; init; } = string.Empty;

    public string Namespace { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    /// <summary>The request path, for non-resource requests.</summary>
    public string Path { get; init; } = string.Empty;

    /// <summary>Upstream's forbidden reason, e.g. <c>User "bob" cannot list resource "pods" in API group "" in the namespace "default"</c>.</summary>
    public string ForbiddenDetail()
    {
        if (!IsResourceRequest)
        {
            return $"User \"{User}\" cannot {Verb} path \"{Path}\"";
        }

        var resource = Subresource.Length > 0 ? $"{Resource}/{Subresource}" : Resource;
        var scope = Namespace.Length > 0 ? $" in the namespace \"{Namespace}\"" : " at the cluster scope";
        return $"User \"{User}\" cannot {Verb} resource \"{resource}\" in API group \"{ApiGroup}\"{scope}";
    }
}
