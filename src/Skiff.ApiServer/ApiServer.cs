using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Security;
using Skiff.ApiServer.Watch;
using Skiff.Storage;

namespace Skiff.ApiServer;

/// <summary>The entry point the composition root calls to run the API server.</summary>
public static class ApiServer
{
    /// <summary>
    /// Starts the API server over <paramref name="store"/>: loads or creates the PKI in the data directory, fills the
    /// watch cache, creates the system namespaces, listens on HTTPS (HTTP/1.1 and HTTP/2) and writes
    /// <c>&lt;data-dir&gt;/kubeconfig.yaml</c> with the bound address and <c>&lt;data-dir&gt;/token</c> (the join token
    /// agents present to get their credentials). The store stays owned by the caller.
    /// </summary>
    public static async Task<ApiServerHandle> StartAsync(ApiServerOptions options, IStore store, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.DataDirectory);
        var logger = loggerFactory.CreateLogger("Skiff.ApiServer");

        var hostName = Dns.GetHostName();
        var ips = new List<IPAddress> { IPAddress.Loopback };
        if (!options.BindAddress.Equals(IPAddress.Any) && !options.BindAddress.Equals(IPAddress.Loopback) && !options.BindAddress.Equals(IPAddress.IPv6Any))
        {
            ips.Add(options.BindAddress);
        }

        // The advertised address is where the kubernetes Service's endpoint sends pods and where other machines dial.
        var advertise = options.AdvertiseAddress ?? Services.ServiceNetworking.AdvertiseAddress(options.BindAddress);
        if (!IPAddress.IsLoopback(advertise))
        {
            ips.Add(advertise);
        }

        // As kube-apiserver: pods reach the server as the `kubernetes` Service (the service range's first address) and
        // by its names, so in-cluster clients verify the serving certificate against those.
        ips.Add(Services.ServiceIpRange.Parse(options.ServiceCidr).At(0));
        var dns = new List<string> { "localhost", hostName, "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local" };
        foreach (var san in options.ExtraSans)
        {
            if (IPAddress.TryParse(san, out var ip))
            {
                ips.Add(ip);
            }
            else
            {
                dns.Add(san);
            }
        }

        var certificates = ClusterCertificates.LoadOrCreate(Path.Combine(options.DataDirectory, "pki"), ips.Distinct().ToList(), dns.Distinct(StringComparer.OrdinalIgnoreCase).ToList(), options.Time);

        if (options.EncryptionProviderConfig is { } encryption)
        {
            store = new Encryption.EncryptingStore(store, Encryption.EncryptionConfiguration.Load(encryption, options.Resources));
        }

        // Every storage call the server makes is timed; the caller's store itself is untouched.
        var metrics = new Observability.ApiServerMetrics();
        store = new Observability.InstrumentedStore(store, metrics, options.Resources);
        var index = new ResourceIndex(options.Resources);
        var hub = new WatchCacheHub(store, index, logger, new WatchHistoryWindow(options.WatchHistorySize, options.WatchHistoryMaxSize, WatchHistoryWindow.DefaultFreshness, options.Time), options.WatcherQueueCapacity);
        await hub.StartAsync(cancellationToken);
        var registry = new GenericRegistry(store, hub, index, options.Time);
        registry.Admission = new Admission.AdmissionChain(options.AdmissionPlugins ?? Admission.AdmissionPlugins.Default(), new Admission.WatchCacheClusterObjects(hub, index, registry));
        var namespaces = new NamespaceLifecycle(registry);
        await namespaces.StartAsync(cancellationToken);
        var eventExpiry = new EventExpiry(registry, options.EventTtl, options.EventExpiryInterval, options.Time, logger);
        eventExpiry.Start();
        var services = await Services.ServiceNetworking.StartAsync(
            Services.ServiceIpRange.Parse(options.ServiceCidr), Services.NodePortRange.Parse(options.ServiceNodePortRange), registry, store, options.Time, logger, cancellationToken);

        var (authorizer, background) = await Authorization.AuthorizationSetup.StartAsync(options, registry, logger, cancellationToken);
        registry.Admission.Authorizer = authorizer;
        await Scheduling.SystemPriorityClassBootstrap.EnsureAsync(registry, logger, cancellationToken);

        // The API server's own client certificate towards kubelets (logs, exec, attach, port-forward): no privileged
        // group; kubelets authorize it by SubjectAccessReview through its system:kubelet-api-admin binding.
        var (kubeletClientPem, kubeletClientKeyPem) = certificates.IssueClientCertificate(Authorization.Rbac.BootstrapPolicy.KubeApiServerKubeletClient, [], options.Time);
        var kubelets = new Proxy.KubeletConnector(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(kubeletClientPem, kubeletClientKeyPem));
        var serviceAccountKey = ServiceAccounts.ServiceAccountKey.LoadOrCreate(Path.Combine(options.DataDirectory, "pki"));
        var serviceAccountTokens = new ServiceAccounts.ServiceAccountTokens(serviceAccountKey, new Admission.WatchCacheClusterObjects(hub, index, registry), options.Time);
        var resourceProxy = new Proxy.ResourceProxy(registry, kubelets);
        var bootstrapTokens = new BootstrapTokenAuthenticator(new Admission.WatchCacheClusterObjects(hub, index, registry), options.Time);
        var authenticator = new RequestAuthenticator(certificates.Ca, options.Tokens, serviceAccountTokens, bootstrapTokens);
        var resources = new ResourceHandler(registry, [new BuiltInPatchers(), .. options.Patchers], options.Time, new Proxy.PodProxy(registry, kubelets), resourceProxy)
        {
            TokenRequests = new ServiceAccounts.TokenRequestHandler(registry, serviceAccountTokens),
            Reviews = new Reviews.ReviewHandler(new Reviews.AccessReviews(authorizer), new Reviews.IdentityReviews(authenticator, serviceAccountTokens.Audiences), options.Time),
        };
        var joinTokenPath = Path.Combine(options.DataDirectory, "token");
        var joinToken = Bootstrap.JoinToken.LoadOrCreate(joinTokenPath, certificates.Ca);
        var bootstrap = new Bootstrap.NodeBootstrapEndpoint(joinToken, certificates, options.Time, logger);
        // A bad policy file stops the server before it listens, saying why.
        var audit = options.Audit is { } auditOptions ? Audit.AuditLog.Start(auditOptions, options.Time, logger) : null;
        var handler = new ApiHandler(authenticator, index, resources, options.OpenApi ?? new OpenApi.GeneratedOpenApi(options.Resources), logger, bootstrap, metrics, authorizer)
        {
            ServiceAccountTokensForDiscovery = serviceAccountTokens,
            AnonymousAuth = options.AnonymousAuth,
            Audit = audit,
        };

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = options.DataDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, Hosting.EmbeddedHostLifetime>();
        var inProcess = new Hosting.InProcessTransport();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory>(inProcess);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // bodies are limited (3 MiB, 413 Status) by the handler
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Listen(options.BindAddress, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = certificates.Serving,
                    ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                    ClientCertificateValidation = (_, _, _) => true, // checked per request by RequestAuthenticator
                });
            });
            // The components of this process: HTTP/1.1, a connection per request in flight, as an in-memory
            // connection costs no handshake and HTTP/1.1 neither compresses headers nor multiplexes streams.
            kestrel.Listen(inProcess.EndPoint, listen => listen.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        app.Run(handler.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            await background.DisposeAsync();
            if (audit is not null)
            {
                await audit.DisposeAsync();
            }

            await eventExpiry.DisposeAsync();
            await services.DisposeAsync();
            await namespaces.DisposeAsync();
            await hub.DisposeAsync();
            kubelets.Dispose();
            certificates.Dispose();
            throw;
        }

        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First(a => a.StartsWith("https://", StringComparison.Ordinal)));
        var host = options.BindAddress.Equals(IPAddress.Any) || options.BindAddress.Equals(IPAddress.IPv6Any) ? "127.0.0.1" : options.BindAddress.ToString();
        var address = new Uri($"https://{host}:{bound.Port}");
        var kubeconfigPath = Path.Combine(options.DataDirectory, "kubeconfig.yaml");
        await KubeconfigWriter.WriteAsync(kubeconfigPath,
            KubeconfigWriter.Render(address.ToString().TrimEnd('/'), certificates.CaPem, certificates.AdminCertificatePem, certificates.AdminKeyPem),
            cancellationToken);
        services.StartKubernetesService(registry, store, advertise, bound.Port, options.Time, logger);
        logger.LogInformation("API server listening on {Address}; kubeconfig at {Kubeconfig}", address, kubeconfigPath);
        return new ApiServerHandle(app, hub, namespaces, certificates, address, kubeconfigPath, registry, options.Tokens, kubelets) { JoinTokenPath = joinTokenPath, InProcess = inProcess, Metrics = metrics, Background = [background, eventExpiry, resourceProxy, .. (audit is null ? Array.Empty<IAsyncDisposable>() : [audit])], Services = services };
    }
}
