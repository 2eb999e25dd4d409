using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Skiff.ApiServer.Authorization;
using Skiff.ApiServer.Bootstrap;
using Skiff.ApiServer.Discovery;
using Skiff.ApiServer.Observability;
using Skiff.ApiServer.OpenApi;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Http;

/// <summary>
/// The request pipeline: authentication (anonymous when no credentials are presented), authorization, then health,
/// version, discovery, OpenAPI and resource paths. Every failure leaves as a Status; storage errors were translated in the registry.
/// </summary>
public sealed class ApiHandler
{
    private readonly RequestAuthenticator _authenticator;
    private readonly ResourceIndex _index;
    private readonly DiscoveryDocuments _discovery;
    private readonly OpenApiEndpoints? _openApi;
    private readonly ResourceHandler _resources;
    private readonly ILogger _logger;
    private readonly NodeBootstrapEndpoint? _bootstrap;
    private readonly ApiServerMetrics? _metrics;
    private readonly AuthorizerChain? _authorizer;

    /// <summary>Set when the server issues service account tokens: serves their OIDC discovery documents.</summary>
    public ServiceAccounts.ServiceAccountTokens? ServiceAccountTokensForDiscovery { init => _serviceAccountTokens = value; }

    private readonly ServiceAccounts.ServiceAccountTokens? _serviceAccountTokens;

    /// <summary>Requests without credentials act as <see cref="AnonymousUser"/> (upstream's <c>--anonymous-auth</c>,
    /// on by default). Off, they get 401, except /healthz, /livez, /readyz and /version, which anyone may read.</summary>
    public bool AnonymousAuth { get; init; } = true;

    /// <summary>The audit log (<c>--audit-policy-file</c>, <c>--audit-log-path</c>), or null when there is none.</summary>
    public Audit.AuditLog? Audit { get; init; }

    public ApiHandler(RequestAuthenticator authenticator, ResourceIndex index, ResourceHandler resources, IOpenApiProvider? openApi, ILogger logger, NodeBootstrapEndpoint? bootstrap = null, ApiServerMetrics? metrics = null, AuthorizerChain? authorizer = null)
    {
        _authorizer = authorizer;
        _metrics = metrics;
        _bootstrap = bootstrap;
        _authenticator = authenticator;
        _index = index;
        _resources = resources;
        _discovery = new DiscoveryDocuments(index);
        _openApi = openApi is null ? null : new OpenApiEndpoints(openApi);
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        // Parsed once: the metrics' labels and the dispatch read the same path.
        var path = ctx.Request.Path.Value ?? "/";
        if (path.Length > 1 && path.EndsWith('/'))
        {
            path = path.TrimEnd('/');
        }

        var request = new ParsedRequest(path, RequestInfo.Parse(path));
        if (_metrics is null)
        {
            await HandleUnmeasuredAsync(ctx, request);
            return;
        }

        var labels = RequestLabels.Of(ctx.Request, request.Info);
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        using var watcher = labels.Verb == "WATCH" ? _metrics.TrackWatcher(labels.Group, labels.Resource) : null;
        try
        {
            await HandleUnmeasuredAsync(ctx, request);
        }
        finally
        {
            _metrics.ObserveRequest(labels, ctx.Response.StatusCode, System.Diagnostics.Stopwatch.GetElapsedTime(start));
        }
    }

    private async Task HandleUnmeasuredAsync(HttpContext ctx, ParsedRequest request)
    {
        var audit = Audit?.Begin(ctx);
        try
        {
            await HandleAuditedAsync(ctx, audit, request);
        }
        finally
        {
            if (audit is not null)
            {
                await audit.CompleteAsync();
            }
        }
    }

    private async Task HandleAuditedAsync(HttpContext ctx, Audit.RequestAudit? audit, ParsedRequest request)
    {
        try
        {
            await DispatchAsync(ctx, audit, request);
        }
        catch (ApiException e)
        {
            audit?.Failed(e.Status);
            await WriteErrorAsync(ctx, e);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogError(e, "{Method} {Path} failed", ctx.Request.Method, ctx.Request.Path);
            await WriteErrorAsync(ctx, StatusErrors.Internal(e.Message));
        }
    }

    private static async Task WriteErrorAsync(HttpContext ctx, ApiException e)
    {
        if (ctx.Response.HasStarted)
        {
            return;
        }

        ctx.Response.Clear();
        var accept = ctx.Request.Headers.Accept.ToString();
        if (MediaTypes.Negotiate(accept, allowTable: false, allowDiscovery: false, allowProtobuf: true)?.Shape == ResponseShape.Protobuf)
        {
            await ProtobufResponses.WriteAsync(ctx, e.Status.Code ?? 500, ModelJson.Serialize(e.Status));
            return;
        }

        await ResponseWriter.WriteStatusAsync(ctx, e.Status);
    }

    private async Task DispatchAsync(HttpContext ctx, Audit.RequestAudit? audit, ParsedRequest request)
    {
        var path = request.Path;

        var publicInfo = path is "/healthz" or "/livez" or "/readyz" or "/version";
        if (publicInfo && !AnonymousAuth)
        {
            await ServePublicInfoAsync(ctx, path);
            return;
        }

        // Joining nodes have no cluster credentials yet: the bootstrap paths authenticate by the join token themselves.
        if (_bootstrap is not null && await _bootstrap.TryHandleAsync(ctx, path))
        {
            return;
        }

        var method = ctx.Request.Method;
        var info = request.Info;
        var user = await _authenticator.AuthenticateAsync(ctx);
        if (user is null)
        {
            if (!AnonymousAuth || RequestAuthenticator.PresentsCredentials(ctx))
            {
                audit?.Unauthenticated(AttributesOf(Unauthenticated, method, ctx.Request.Query, info, path), RequestAuthenticator.FailureMessage(ctx));
                throw StatusErrors.Unauthorized();
            }

            user = AnonymousUser.Info;
        }

        var authenticated = user;
        if (_authorizer is not null)
        {
            user = Impersonation.Apply(ctx.Request, user, _authorizer);
        }

        RequestUser.Set(user);
        RequestWarnings.Set(ctx.Response);
        var attributes = AttributesOf(user, method, ctx.Request.Query, info, path);
        audit?.Start(authenticated, user, attributes);
        Authorize(attributes, audit);
        if (publicInfo)
        {
            await ServePublicInfoAsync(ctx, path);
            return;
        }

        if (_serviceAccountTokens is not null && path is ServiceAccounts.IssuerDiscovery.ConfigurationPath or ServiceAccounts.IssuerDiscovery.KeysPath)
        {
            var document = path == ServiceAccounts.IssuerDiscovery.KeysPath
                ? ServiceAccounts.IssuerDiscovery.Keys(_serviceAccountTokens)
                : ServiceAccounts.IssuerDiscovery.Configuration(_serviceAccountTokens, new Uri($"https://{ctx.Request.Host}"));
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = path == ServiceAccounts.IssuerDiscovery.KeysPath ? "application/jwk-set+json" : "application/json";
            await ctx.Response.Body.WriteAsync(document, ctx.RequestAborted);
            return;
        }

        if (path == "/metrics" && _metrics is not null)
        {
            // Authorized above as a non-resource "get" on /metrics (upstream: system:monitoring, system:masters).
            if (method != "GET")
            {
                throw StatusErrors.MethodNotAllowed(method, path);
            }

            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await _metrics.WriteAsync(ctx.Response.Body, ctx.RequestAborted);
            return;
        }

        if (path is "/api" or "/apis" || path.StartsWith("/openapi/", StringComparison.Ordinal) ||
            (path.StartsWith("/apis/", StringComparison.Ordinal) && path.Count(c => c == '/') == 2))
        {
            if (method != "GET")
            {
                throw StatusErrors.MethodNotAllowed(method, path);
            }

            await ServeDocumentAsync(ctx, path);
            return;
        }

        if (info is null)
        {
            throw StatusErrors.NotFoundPlain();
        }

        if (info.Resource is null)
        {
            var list = method == "GET" ? _discovery.ResourceList(info.Group, info.Version) : null;
            if (list is null)
            {
                throw StatusErrors.NotFoundPlain();
            }

            await ResponseWriter.WriteJsonAsync(ctx, 200, list);
            return;
        }

        var def = _index.Find(info.Group, info.Version, info.Resource) ?? throw StatusErrors.NotFoundPlain();
        await _resources.HandleAsync(ctx, def, info);
    }

    private static async Task ServePublicInfoAsync(HttpContext ctx, string path)
    {
        if (path == "/version")
        {
            await ResponseWriter.WriteJsonAsync(ctx, 200, VersionInfo.Json);
            return;
        }

        ctx.Response.ContentType = "text/plain; charset=utf-8";
        await ctx.Response.WriteAsync("ok", ctx.RequestAborted);
    }

    /// <summary>Asks the authorizer chain; a denial leaves as upstream's 403 Status.</summary>
    /// <summary>Who a request that failed authentication is, for the audit policy: nobody (upstream's nil user).</summary>
    private static readonly UserInfo Unauthenticated = new(string.Empty, []);

    private static AuthorizationAttributes AttributesOf(UserInfo user, string method, IQueryCollection query, RequestInfo? info, string path) =>
        info is { Resource: not null }
            ? RequestAttributes.ForResource(user, method, query, info)
            : RequestAttributes.ForPath(user, method, path);

    private void Authorize(AuthorizationAttributes attributes, Audit.RequestAudit? audit)
    {
        if (_authorizer is null)
        {
            return;
        }

        var (decision, reason) = _authorizer.Authorize(attributes);
        audit?.Decided(decision, reason);
        if (decision != Decision.Allow)
        {
            throw StatusErrors.Forbidden(attributes, reason);
        }
    }

    private async Task ServeDocumentAsync(HttpContext ctx, string path)
    {
        var accept = ctx.Request.Headers.Accept.ToString();
        switch (path)
        {
            case "/api" or "/apis":
                var negotiated = MediaTypes.Negotiate(accept, allowTable: false, allowDiscovery: true);
                if (negotiated?.Shape == ResponseShape.AggregatedDiscovery)
                {
                    var doc = path == "/api" ? _discovery.AggregatedCore : _discovery.AggregatedGroups;
                    await ResponseWriter.WriteBytesAsync(ctx, 200, negotiated.ContentType, DiscoveryDocuments.ForVersion(doc, negotiated.Version));
                }
                else
                {
                    await ResponseWriter.WriteJsonAsync(ctx, 200, path == "/api" ? _discovery.LegacyCore : _discovery.LegacyGroups);
                }

                return;
            case "/openapi/v2":
                throw StatusErrors.NotFoundPlain();
        }

        if (path.StartsWith("/openapi/v3", StringComparison.Ordinal))
        {
            if (_openApi is null)
            {
                throw StatusErrors.NotFoundPlain();
            }

            await _openApi.ServeAsync(ctx, path);
            return;
        }

        var group = _discovery.Group(path["/apis/".Length..]) ?? throw StatusErrors.NotFoundPlain();
        await ResponseWriter.WriteJsonAsync(ctx, 200, group);
    }

    /// <summary>The request's path (trailing slashes trimmed) and what it names.</summary>
    private readonly record struct ParsedRequest(string Path, RequestInfo? Info);
}
