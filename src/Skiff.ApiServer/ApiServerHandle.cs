using Microsoft.AspNetCore.Builder;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Security;
using Skiff.ApiServer.Watch;

namespace Skiff.ApiServer;

/// <summary>A running API server: where it listens, its kubeconfig, and how to stop it.</summary>
public sealed class ApiServerHandle : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly WatchCacheHub _hub;
    private readonly NamespaceLifecycle _namespaces;
    private readonly ClusterCertificates _certificates;
    private readonly IDisposable _kubelets;
    private int _stopped;

    internal ApiServerHandle(WebApplication app, WatchCacheHub hub, NamespaceLifecycle namespaces, ClusterCertificates certificates, Uri address, string kubeconfigPath, GenericRegistry registry, TokenAuthenticator tokens, IDisposable kubelets)
    {
        Tokens = tokens;
        _app = app;
        _hub = hub;
        _namespaces = namespaces;
        _certificates = certificates;
        _kubelets = kubelets;
        Address = address;
        KubeconfigPath = kubeconfigPath;
        Registry = registry;
    }

    /// <summary>The bound address, e.g. <c>https://127.0.0.1:6443</c>.</summary>
    public Uri Address { get; }

    /// <summary><c>&lt;data-dir&gt;/kubeconfig.yaml</c>, usable by kubectl and the C# client as is.</summary>
    public string KubeconfigPath { get; }

    /// <summary><c>&lt;data-dir&gt;/token</c>: the join token (mode 0600) for <c>skiff agent --token-file</c>.</summary>
    public required string JoinTokenPath { get; init; }

    /// <summary>This server's Prometheus metrics (also served on <c>/metrics</c>).</summary>
    public required Observability.ApiServerMetrics Metrics { get; init; }

    /// <summary>The cluster CA (with key) for issuing agent credentials.</summary>
    public ClusterCertificates Certificates => _certificates;

    /// <summary>Bearer tokens accepted by this server (add agent tokens here).</summary>
    public TokenAuthenticator Tokens { get; }

    /// <summary>Connections for the components that run in this process: no socket, no TLS; a component proves who it
    /// is by the client certificate it connects with.</summary>
    public required Hosting.InProcessTransport InProcess { get; init; }

    /// <summary>The registry (for in-process components and tests).</summary>
    public GenericRegistry Registry { get; }

    /// <summary>The server's own background loops (ClusterRole aggregation, event expiry, ...), stopped first.</summary>
    internal IReadOnlyList<IAsyncDisposable> Background { get; init; } = [];

    /// <summary>The Service allocators, their repair loops and the <c>kubernetes</c> Service's endpoint.</summary>
    public required Services.ServiceNetworking Services { get; init; }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        foreach (var loop in Background)
        {
            await loop.DisposeAsync();
        }

        await Services.DisposeAsync();
        await _namespaces.DisposeAsync();
        await _hub.CloseWatchesAsync();
        await _app.StopAsync(cancellationToken);
        await _hub.DisposeAsync();
        await _app.DisposeAsync();
        _kubelets.Dispose();
        _certificates.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
