using System.Net;
using System.Net.Security;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Skiff.Apimachinery;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;
using Yarp.ReverseProxy.Forwarder;

namespace Skiff.ApiServer.Proxy;

/// <summary>
/// The proxy subresources: <c>pods/{name}/proxy/...</c>, <c>services/{name}/proxy/...</c> and
/// <c>nodes/{name}/proxy/...</c> (with <c>[scheme:]name[:port]</c>), forwarded with YARP's forwarder, which streams
/// bodies both ways and carries WebSocket upgrades. Nodes are reached with the API server's kubelet client
/// certificate; pods and services over plain HTTP, or HTTPS without verifying the server, as kube-apiserver's proxy
/// transport does. The caller's credentials are not passed on.
/// </summary>
public sealed class ResourceProxy : IAsyncDisposable
{
    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    private readonly GenericRegistry _registry;
    private readonly HttpMessageInvoker _kubelets;
    private readonly string? _kubeletToken;
    private readonly SocketsHttpHandler _handler;
    private readonly HttpMessageInvoker _pods;

    public ResourceProxy(GenericRegistry registry, KubeletConnector kubelets)
    {
        ArgumentNullException.ThrowIfNull(kubelets);
        _registry = registry;
        _kubelets = kubelets.Invoker;
        _kubeletToken = kubelets.BearerToken;
        _handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        };
        _pods = new HttpMessageInvoker(_handler, disposeHandler: false);
    }

    public static bool Serves(ResourceDefinition def, string? subresource) =>
        subresource == "proxy" && def.Group.Length == 0 && def.Plural is "pods" or "services" or "nodes";

    public async Task HandleAsync(HttpContext ctx, ResourceDefinition def, string? ns, string id, string path)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(def);
        if (!Methods.Contains(ctx.Request.Method))
        {
            throw StatusErrors.MethodNotAllowed(ctx.Request.Method, def.Plural + "/proxy");
        }

        var singular = def.Plural[..^1];
        var (scheme, name, port) = ProxyTarget.Split(id) ?? throw StatusErrors.BadRequest($"invalid {singular} request \"{id}\"");
        var ct = ctx.RequestAborted;
        ProxyTarget target;
        HttpMessageInvoker invoker;
        string? bearer = null;
        switch (def.Plural)
        {
            case "pods":
                target = ProxyTarget.ForPod(await GetAsync<V1Pod>(def, ns, name, ct), scheme, port);
                invoker = _pods;
                break;
            case "services":
                var service = await GetAsync<V1Service>(def, ns, name, ct);
                target = ProxyTarget.ForService(service, await FindAsync<V1Endpoints>("endpoints", ns, name, ct), scheme, port, Random.Shared);
                invoker = _pods;
                break;
            default:
                target = ProxyTarget.ForNode(await GetAsync<V1Node>(def, null, name, ct), scheme, port);
                invoker = _kubelets;
                bearer = _kubeletToken;
                break;
        }

        var forwarder = ctx.RequestServices.GetRequiredService<IHttpForwarder>();
        var error = await forwarder.SendAsync(
            ctx,
            target.Prefix.ToString(),
            invoker,
            new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromMinutes(10) },
            new PathTransformer(path.Length == 0 ? "/" : path, bearer));
        if (error != ForwarderError.None && !ctx.Response.HasStarted)
        {
            var cause = ctx.Features.Get<IForwarderErrorFeature>()?.Exception?.Message ?? error.ToString();
            throw StatusErrors.Unavailable($"error trying to reach {singular}: {cause}");
        }
    }

    private async Task<T> GetAsync<T>(ResourceDefinition def, string? ns, string name, CancellationToken ct)
    {
        var cached = await _registry.GetAsync(def, ns, name, null, ct);
        return ModelJson.Deserialize<T>(cached.Json);
    }

    private async Task<T?> FindAsync<T>(string plural, string? ns, string name, CancellationToken ct)
        where T : class
    {
        var def = _registry.Index.Find(string.Empty, "v1", plural) ?? throw StatusErrors.NotFoundPlain();
        try
        {
            return await GetAsync<T>(def, ns, name, ct);
        }
        catch (ApiException e) when (e.Status.Code == 404)
        {
            return null;
        }
    }

    public ValueTask DisposeAsync()
    {
        _pods.Dispose();
        _handler.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Sends the request to the proxied path with the caller's query, without its credentials.</summary>
    private sealed class PathTransformer(string path, string? bearer) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.Headers.Remove("Authorization");
            proxyRequest.Headers.Remove("Impersonate-User");
            proxyRequest.Headers.Host = null;
            if (bearer is not null)
            {
                proxyRequest.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
            }

            proxyRequest.RequestUri = new Uri(destinationPrefix.TrimEnd('/') + path + httpContext.Request.QueryString.Value);
        }
    }
}
