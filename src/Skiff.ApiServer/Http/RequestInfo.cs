namespace Skiff.ApiServer.Http;

/// <summary>What a resource request addresses, parsed from its path the way Kubernetes' RequestInfoFactory does.</summary>
/// <param name="Group">API group; empty for the core group (<c>/api</c>).</param>
/// <param name="Version">API version, e.g. <c>v1</c>.</param>
/// <param name="Namespace">The namespace from <c>/namespaces/{ns}/...</c>, or null.</param>
/// <param name="Resource">The resource (plural), or null for a group-version discovery request.</param>
/// <param name="Name">The object name, or null for a collection.</param>
/// <param name="Subresource">e.g. <c>status</c>, or null.</param>
public sealed record RequestInfo(string Group, string Version, string? Namespace, string? Resource, string? Name, string? Subresource)
{
    /// <summary>For the <c>proxy</c> subresource: the path after <c>.../{name}/proxy</c> (empty or starting with
    /// <c>/</c>, trailing slash kept), which is sent on to the pod, service or node.</summary>
    public string? ProxyPath { get; init; }

    /// <summary>Parses <c>/api/v1/...</c> and <c>/apis/{group}/{version}/...</c>; null for any other path.</summary>
    public static RequestInfo? Parse(string path)
    {
        var parts = path.Trim('/').Split('/');
        int i;
        string group;
        if (parts.Length >= 2 && parts[0] == "api")
        {
            group = string.Empty;
            i = 1;
        }
        else if (parts.Length >= 3 && parts[0] == "apis")
        {
            group = parts[1];
            i = 2;
        }
        else
        {
            return null;
        }

        var version = parts[i++];
        var rest = parts[i..];
        if (rest.Length == 0)
        {
            return new RequestInfo(group, version, null, null, null, null);
        }

        var proxyAt = Array.IndexOf(rest, "proxy");
        var proxied = rest.Length > 3 && (proxyAt == 2 || (proxyAt == 4 && rest[0] == "namespaces"));
        if (!proxied && rest.Any(p => p.Length == 0))
        {
            return null;
        }

        string? ns = null;
        if (rest[0] == "namespaces" && rest.Length > 1)
        {
            ns = rest[1];
            // namespaces/{name}/status and /finalize are subresources of the namespace itself.
            if (rest.Length > 2 && rest[2] is not ("status" or "finalize"))
            {
                rest = rest[2..];
            }
            else
            {
                ns = null;
            }
        }

        if (rest.Length > 3 && rest[2] == "proxy" && rest[0].Length > 0 && rest[1].Length > 0)
        {
            // .../{resource}/{name}/proxy/{path...}: the rest of the path belongs to the proxied server.
            var marker = $"/{rest[0]}/{rest[1]}/proxy";
            var at = path.IndexOf(marker + "/", StringComparison.Ordinal);
            return new RequestInfo(group, version, ns, rest[0], rest[1], "proxy") { ProxyPath = at < 0 ? "/" : path[(at + marker.Length)..] };
        }

        if (rest.Length > 3)
        {
            return null;
        }

        if (rest.Length == 3 && rest[2] == "proxy")
        {
            var marker = $"/{rest[0]}/{rest[1]}/proxy";
            return new RequestInfo(group, version, ns, rest[0], rest[1], "proxy") { ProxyPath = path.EndsWith(marker + "/", StringComparison.Ordinal) ? "/" : string.Empty };
        }

        return new RequestInfo(group, version, ns, rest[0], rest.Length > 1 ? rest[1] : null, rest.Length > 2 ? rest[2] : null);
    }
}
