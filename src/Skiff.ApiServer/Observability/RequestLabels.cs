using Microsoft.AspNetCore.Http;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Observability;

/// <summary>
/// How a request is labelled in the metrics, as kube-apiserver does: the Kubernetes verb (GET, LIST, WATCH, CREATE,
/// UPDATE, PATCH, DELETE, DELETECOLLECTION, CONNECT), group, version, resource and subresource; non-resource paths
/// (discovery, health) carry the HTTP method and an empty resource.
/// </summary>
public sealed record RequestLabels(string Verb, string Group, string Version, string Resource, string Subresource)
{
    /// <summary>Watches and streams (exec, attach, port-forward, followed logs): their duration is not a latency.</summary>
    public bool LongRunning => Verb is "WATCH" or "CONNECT" || (Subresource == "log" && Follow);

    private bool Follow { get; init; }

    /// <param name="request">The request.</param>
    /// <param name="info">What its path names (<see cref="RequestInfo.Parse"/> of the path, trailing slashes
    /// trimmed).</param>
    public static RequestLabels Of(HttpRequest request, RequestInfo? info)
    {
        ArgumentNullException.ThrowIfNull(request);
        var method = request.Method.ToUpperInvariant();
        if (info?.Resource is null)
        {
            return new RequestLabels(method, info?.Group ?? string.Empty, info?.Version ?? string.Empty, string.Empty, string.Empty);
        }

        var subresource = info.Subresource ?? string.Empty;
        var verb = method switch
        {
            _ when subresource is "exec" or "attach" or "portforward" or "proxy" => "CONNECT",
            "GET" or "HEAD" when IsTrue(request.Query["watch"]) => "WATCH",
            "GET" or "HEAD" => info.Name is null ? "LIST" : "GET",
            "POST" => "CREATE",
            "PUT" => "UPDATE",
            "PATCH" => "PATCH",
            "DELETE" => info.Name is null ? "DELETECOLLECTION" : "DELETE",
            _ => method,
        };
        return new RequestLabels(verb, info.Group, info.Version, info.Resource, subresource) { Follow = IsTrue(request.Query["follow"]) };
    }

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues value) =>
        value.Count > 0 && (value[0] is "1" or "true" or "True");
}
