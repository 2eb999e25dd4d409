using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skiff.Cri.V1;

namespace Skiff.Kubelet.Server;

/// <summary>
/// The kubelet's HTTPS server (port 10250): <c>/healthz</c>, <c>/metrics</c>, <c>/stats/summary</c>, <c>/logs/</c>,
/// <c>/containerLogs/{ns}/{pod}/{container}</c>,
/// <c>/exec/{ns}/{pod}/{container}</c>, <c>/attach/{ns}/{pod}/{container}</c> and <c>/portForward/{ns}/{pod}</c>, for
/// the API server to proxy <c>pods/log|exec|attach|portforward</c> to. As upstream's kubelet, every path (/healthz
/// too) needs an authenticated caller (a client certificate of the client CA, or a bearer token the API server's
/// TokenReview accepts; else 401) whom the API server's SubjectAccessReview allows the request's
/// <c>nodes/&lt;subresource&gt;</c> (else 403). HTTP/1.1 only: the streaming endpoints are upgrades.
/// </summary>
public sealed class KubeletServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KubeletServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The port actually bound (useful when <see cref="KubeletServerOptions.Port"/> was 0).</summary>
    public int Port { get; }

    public static async Task<KubeletServer> StartAsync(KubeletServerOptions options, RuntimeService.RuntimeServiceClient runtime, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var locator = new PodContainerLocator(runtime);
        var reviews = options.Reviews is null ? null : new Auth.CachingKubeletReviews(options.Reviews, options.Time);
        var router = new KubeletRouter(
            new Auth.KubeletAuthenticator(options.ClientCa, reviews),
            new Auth.KubeletAuthorizer(reviews),
            options.NodeName ?? string.Empty,
            new ContainerLogsHandler(locator, options.Time, options.LogPollInterval),
            new RemoteCommandHandler(locator, runtime, logger),
            new PortForwardHandler(locator, runtime),
            options.NodeName is { } node ? new Stats.StatsSummaryProvider(runtime, new Stats.NodeStatsReader(options.Time), node, options.RootDirectory, options.Time) : null,
            new NodeLogsHandler(options.NodeLogDirectory),
            options.Metrics,
            logger);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.BindAddress, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = options.ServingCertificate,
                    ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                    ClientCertificateValidation = (_, _, _) => true, // checked per request, so a bad one gets a 401
                });
            });
        });
        var app = builder.Build();
        app.Run(router.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            await app.DisposeAsync();
            throw;
        }

        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        logger.LogInformation("Kubelet server listening on port {Port}", bound.Port);
        return new KubeletServer(app, bound.Port);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private sealed class KubeletRouter(
        Auth.KubeletAuthenticator authenticator,
        Auth.KubeletAuthorizer authorizer,
        string nodeName,
        ContainerLogsHandler logs,
        RemoteCommandHandler commands,
        PortForwardHandler portForward,
        Stats.StatsSummaryProvider? summary,
        NodeLogsHandler nodeLogs,
        Observability.KubeletMetrics? metrics,
        ILogger logger)
    {
        public async Task HandleAsync(HttpContext ctx)
        {
            try
            {
                await DispatchAsync(ctx);
            }
            catch (KubeletHttpException e)
            {
                await WriteErrorAsync(ctx, e.StatusCode, e.Message);
            }
            catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
            {
                // The API server (or kubectl behind it) went away.
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogError(e, "kubelet server: {Method} {Path} failed", ctx.Request.Method, ctx.Request.Path);
                await WriteErrorAsync(ctx, 500, e.Message);
            }
        }

        private async Task DispatchAsync(HttpContext ctx)
        {
            var path = ctx.Request.Path.Value ?? "/";
            await AuthorizeAsync(ctx, path);
            if (path is "/healthz")
            {
                ctx.Response.ContentType = "text/plain; charset=utf-8";
                await ctx.Response.WriteAsync("ok", ctx.RequestAborted);
                return;
            }

            var parts = path.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
            switch (parts)
            {
                case ["containerLogs", var ns, var pod, var container] when ctx.Request.Method == "GET":
                    await logs.HandleAsync(ctx, ns, pod, container);
                    return;
                case ["exec" or "attach", var ns, var pod, var container] when ctx.Request.Method is "GET" or "POST":
                    await commands.HandleAsync(ctx, attach: parts[0] == "attach", ns, pod, container);
                    return;
                case ["portForward", var ns, var pod] when ctx.Request.Method is "GET" or "POST":
                    await portForward.HandleAsync(ctx, ns, pod);
                    return;
                case ["metrics"] when ctx.Request.Method == "GET" && metrics is not null:
                    ctx.Response.StatusCode = 200;
                    ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                    await metrics.WriteAsync(ctx.Response.Body, ctx.RequestAborted);
                    return;
                case ["stats", "summary"] when ctx.Request.Method == "GET" && summary is not null:
                    var body = await summary.GetAsync(ctx.RequestAborted);
                    ctx.Response.StatusCode = 200;
                    ctx.Response.ContentType = "application/json";
                    await System.Text.Json.JsonSerializer.SerializeAsync(ctx.Response.Body, body, Stats.SummaryJson.Options, ctx.RequestAborted);
                    return;
                case ["logs", .. var rest] when ctx.Request.Method == "GET":
                    await nodeLogs.HandleAsync(ctx, rest.Where(s => s.Length > 0).ToArray());
                    return;
                default:
                    throw new KubeletHttpException(404, "404 page not found");
            }
        }

        /// <summary>Upstream's filter in front of every handler: 401 for nobody, 403 (or 500 when the review failed)
        /// with the kubelet's own words.</summary>
        private async Task AuthorizeAsync(HttpContext ctx, string path)
        {
            Auth.KubeletUser? user;
            try
            {
                user = await authenticator.AuthenticateAsync(ctx, ctx.RequestAborted);
            }
            catch (Exception e) when (e is HttpRequestException or Client.Api.ApiException or TaskCanceledException && !ctx.RequestAborted.IsCancellationRequested)
            {
                logger.LogWarning(e, "kubelet server: unable to authenticate the request due to an error");
                user = null;
            }

            if (user is null)
            {
                throw new KubeletHttpException(401, "Unauthorized");
            }

            var attributes = Auth.KubeletRequestAttributes.For(user, ctx.Request.Method, path, nodeName);
            bool allowed;
            try
            {
                allowed = await authorizer.AuthorizeAsync(attributes, ctx.RequestAborted);
            }
            catch (Exception e) when (e is HttpRequestException or Client.Api.ApiException or TaskCanceledException && !ctx.RequestAborted.IsCancellationRequested)
            {
                logger.LogError(e, "kubelet server: authorization error (user={User}, verb={Verb}, subresource={Subresource})", user.Name, attributes.Verb, attributes.Subresource);
                throw new KubeletHttpException(500, attributes.ErrorMessage);
            }

            if (!allowed)
            {
                throw new KubeletHttpException(403, attributes.ForbiddenMessage);
            }
        }

        private static async Task WriteErrorAsync(HttpContext ctx, int code, string message)
        {
            if (ctx.Response.HasStarted)
            {
                return;
            }

            ctx.Response.Clear();
            ctx.Response.StatusCode = code;
            ctx.Response.ContentType = "text/plain; charset=utf-8";
            // A length, not chunks: the API server reads refusals of upgrade requests by Content-Length.
            var body = System.Text.Encoding.UTF8.GetBytes(message);
            ctx.Response.ContentLength = body.Length;
            await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
        }
    }
}
