using System.Net;
using Skiff.Apimachinery;
using Skiff.ApiServer.OpenApi;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer;

/// <summary>How to run the API server.</summary>
public sealed record ApiServerOptions
{
    /// <summary>Where the PKI (<c>pki/</c>) and <c>kubeconfig.yaml</c> live.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The served resources (the kinds helper's catalog).</summary>
    public required IReadOnlyList<ResourceDefinition> Resources { get; init; }

    /// <summary>Address to bind; 127.0.0.1 by default.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>HTTPS port; 6443 by default, 0 picks a free one.</summary>
    public int Port { get; init; } = 6443;

    /// <summary>OpenAPI v3 documents; by default generated from <see cref="Resources"/> by Apimachinery's generator.</summary>
    public IOpenApiProvider? OpenApi { get; init; }

    /// <summary>Patch types besides JSON merge patch and JSON patch (strategic merge, apply).</summary>
    public IReadOnlyList<IPatchApplier> Patchers { get; init; } = [];

    /// <summary>Bearer tokens accepted besides client certificates.</summary>
    public Security.TokenAuthenticator Tokens { get; init; } = new();

    /// <summary>The admission plugins, in the order they run (default: <see cref="Admission.AdmissionPlugins.Default"/>).</summary>
    public IReadOnlyList<Admission.IAdmissionPlugin>? AdmissionPlugins { get; init; }

    /// <summary>Extra host names and addresses for the serving certificate.</summary>
    public IReadOnlyList<string> ExtraSans { get; init; } = [];

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The Service cluster IP range (<c>--service-cidr</c>).</summary>
    public string ServiceCidr { get; init; } = "10.43.0.0/16";

    /// <summary>The NodePort range (<c>--service-node-port-range</c>).</summary>
    public string ServiceNodePortRange { get; init; } = "30000-32767";

    /// <summary>The address put in the <c>kubernetes</c> Service's endpoints; by default
    /// <see cref="Services.ServiceNetworking.AdvertiseAddress"/> of the bind address.</summary>
    public IPAddress? AdvertiseAddress { get; init; }

    /// <summary>An EncryptionConfiguration file (<c>--encryption-provider-config</c>): the resources it names are
    /// stored encrypted.</summary>
    public string? EncryptionProviderConfig { get; init; }

    /// <summary>How long an event lives after its last write (kube-apiserver's <c>--event-ttl</c>, 1 h); zero keeps them.</summary>
    public TimeSpan EventTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How often expired events are looked for.</summary>
    public TimeSpan EventExpiryInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Events kept per resource for watch resume, at least.</summary>
    public int WatchHistorySize { get; init; } = 4096;

    /// <summary>Events kept per resource for watch resume, at most: the window grows towards this while its events are
    /// younger than 75 s (upstream's watch cache), so watchers that fell behind during a burst resume without a relist.</summary>
    public int WatchHistoryMaxSize { get; init; } = Watch.WatchHistoryWindow.DefaultUpperBound;

    /// <summary>Events a watcher may have queued before it is cut off as too slow.</summary>
    public int WatcherQueueCapacity { get; init; } = 1024;

    /// <summary>
    /// Who may do what (upstream's <c>--authorization-mode</c>): RBAC by default (<c>system:masters</c> may always do
    /// anything); AlwaysAllow lets every authenticated user do anything, as Skiff did before RBAC.
    /// </summary>
    public Authorization.AuthorizationMode AuthorizationMode { get; init; } = Authorization.AuthorizationMode.Rbac;

    /// <summary>Requests without credentials act as <c>system:anonymous</c> (upstream's <c>--anonymous-auth</c>, on by
    /// default); off, they get 401 except /healthz, /livez, /readyz and /version.</summary>
    public bool AnonymousAuth { get; init; } = true;

    /// <summary>The audit log (kube-apiserver's <c>--audit-policy-file</c> and <c>--audit-log-*</c> flags), or null for none.</summary>
    public Audit.AuditOptions? Audit { get; init; }
}
