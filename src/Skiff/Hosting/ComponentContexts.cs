using System.Security.Cryptography.X509Certificates;
using k8s;
using Microsoft.Extensions.Logging;
using Skiff.ApiServer;
using Skiff.Client;
using Skiff.Client.Api;

namespace Skiff.Hosting;

/// <summary>
/// The API clients of the components <c>skiff server</c> runs: one <see cref="ComponentContext"/> per
/// <see cref="ComponentIdentity"/>, each over a client certificate of its own that the cluster CA signs at every start
/// (as k3s gives each component its own kubeconfig), so the API server's authorizer sees the component's user and
/// never the admin's <c>system:masters</c>. Components of one identity share its context (one watch per kind per
/// identity, as separate processes would have).
/// </summary>
internal sealed class ComponentContexts : IAsyncDisposable
{
    private readonly ApiServerHandle _server;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly CancellationToken _stop;
    private readonly Dictionary<string, (KubernetesApiClient Api, ComponentContext Context)> _contexts = new(StringComparer.Ordinal);

    public ComponentContexts(ApiServerHandle server, ComponentContext admin, TimeProvider time, ILoggerFactory loggers, CancellationToken stop)
    {
        _server = server;
        Admin = admin;
        _time = time;
        _loggers = loggers;
        _stop = stop;
    }

    /// <summary>The admin's context (system:masters): for installing add-ons, never for running a component.</summary>
    public ComponentContext Admin { get; }

    /// <summary>The context of <paramref name="identity"/>, its informers started.</summary>
    public ComponentContext For(ComponentIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        lock (_contexts)
        {
            if (!_contexts.TryGetValue(identity.User, out var entry))
            {
                var api = Connect(_server, identity, _time);
                entry = (api, ComponentContext.Create(api, _time, _loggers));
                entry.Context.Informers.Start(_stop);
                _contexts[identity.User] = entry;
            }

            return entry.Context;
        }
    }

    /// <summary>A client of the API server authenticated as <paramref name="identity"/> (a fresh certificate of the
    /// cluster CA; kept in memory only), over the server's in-process connections.</summary>
    public static KubernetesApiClient Connect(ApiServerHandle server, ComponentIdentity identity, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(identity);
        var (certificate, key) = server.Certificates.IssueClientCertificate(identity.User, identity.Groups, time);
        return ConnectAs(server, X509Certificate2.CreateFromPem(certificate, key));
    }

    /// <summary>A client of the API server, in this process, as the holder of <paramref name="certificate"/>.</summary>
    public static KubernetesApiClient ConnectAs(ApiServerHandle server, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(server);
        return ApiClients.InProcess(cancellationToken => server.InProcess.ConnectAsync(certificate, cancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        List<(KubernetesApiClient Api, ComponentContext Context)> all;
        lock (_contexts)
        {
            all = [.. _contexts.Values];
            _contexts.Clear();
        }

        foreach (var (api, context) in all)
        {
            await context.DisposeAsync();
            api.Dispose();
        }
    }
}
