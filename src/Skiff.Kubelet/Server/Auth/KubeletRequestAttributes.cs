namespace Skiff.Kubelet.Server.Auth;

/// <summary>
/// What a request to the kubelet asks for, in the API's terms, as upstream's kubelet maps it
/// (pkg/kubelet/server/auth.go): the verb from the HTTP method, resource <c>nodes</c> named after this node, and the
/// subresource from the path: <c>/stats</c> → stats, <c>/metrics</c> → metrics, <c>/logs</c> → log,
/// <c>/checkpoint</c> → checkpoint, anything else (exec, attach, portForward, containerLogs, healthz, pods…) →
/// proxy.
/// </summary>
public sealed record KubeletRequestAttributes(KubeletUser User, string Verb, string Subresource, string NodeName, string Path)
{
    public const string Resource = "nodes";

    public static KubeletRequestAttributes For(KubeletUser user, string method, string path, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        return new KubeletRequestAttributes(user, VerbOf(method), SubresourceOf(path), nodeName, path);
    }

    /// <summary>Unknown methods map to no verb, which no rule grants.</summary>
    public static string VerbOf(string method) => method.ToUpperInvariant() switch
    {
        "POST" => "create",
        "GET" => "get",
        "PUT" => "update",
        "PATCH" => "patch",
        "DELETE" => "delete",
        _ => string.Empty,
    };

    public static string SubresourceOf(string path) =>
        IsSubpath(path, "/stats") ? "stats"
        : IsSubpath(path, "/metrics") ? "metrics"
        : IsSubpath(path, "/logs") ? "log"
        : IsSubpath(path, "/checkpoint") ? "checkpoint"
        : "proxy";

    /// <summary>The text of a refusal, word for word as the kubelet's.</summary>
    public string ForbiddenMessage => $"Forbidden (user={User.Name}, verb={Verb}, resource={Resource}, subresource={Subresource})";

    public string ErrorMessage => $"Authorization error (user={User.Name}, verb={Verb}, resource={Resource}, subresource={Subresource})";

    // "/stats" and "/stats/..." but not "/statsfoo".
    private static bool IsSubpath(string path, string prefix) =>
        path.Equals(prefix, StringComparison.Ordinal)
        || (path.StartsWith(prefix, StringComparison.Ordinal) && path[prefix.Length] == '/');
}
