using System.Net;

namespace Skiff.Hosting;

/// <summary>What <c>skiff server</c> was asked to run.</summary>
internal sealed record ServerSettings
{
    public required string DataDirectory { get; init; }

    public required int Port { get; init; }

    public required IPAddress BindAddress { get; init; }

    /// <summary>The address in the <c>kubernetes</c> Service's endpoints; null derives it from the bind address.</summary>
    public IPAddress? AdvertiseAddress { get; init; }

    public required string Storage { get; init; }

    /// <summary>Client URLs of the etcd members for <c>--storage etcd</c>.</summary>
    public IReadOnlyList<Uri> EtcdServers { get; init; } = [];

    /// <summary>The local node's kubelet, or null with --disable-agent.</summary>
    public AgentSettings? Agent { get; init; }

    public bool Verbose { get; init; }

    /// <summary>How long events live after their last write (<c>--event-ttl</c>).</summary>
    public TimeSpan EventTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>An EncryptionConfiguration file for secrets (and other resources) at rest.</summary>
    public string? EncryptionProviderConfig { get; init; }

    /// <summary>Requests without credentials act as system:anonymous (<c>--anonymous-auth</c>, default true).</summary>
    public bool AnonymousAuth { get; init; } = true;

    /// <summary>More subject alternative names for the serving certificate (<c>--tls-san</c>).</summary>
    public IReadOnlyList<string> TlsSans { get; init; } = [];

    /// <summary>The authorizers after the privileged group (<c>--authorization-mode</c>: <c>Node,RBAC</c> or <c>AlwaysAllow</c>).</summary>
    public ApiServer.Authorization.AuthorizationMode AuthorizationMode { get; init; } = ApiServer.Authorization.AuthorizationMode.Rbac;

    /// <summary>The audit log (<c>--audit-policy-file</c>, <c>--audit-log-path</c>, rotation flags), or null.</summary>
    public ApiServer.Audit.AuditOptions? Audit { get; init; }

    /// <summary>Run no scheduler in this server (<c>--disable-scheduler</c>), e.g. when one runs elsewhere.</summary>
    public bool DisableScheduler { get; init; }

    /// <summary>The Service cluster IP range (<c>--service-cidr</c>).</summary>
    public string ServiceCidr { get; init; } = ClusterDnsAddress.DefaultServiceCidr;

    /// <summary>The controller manager's options (<c>--cluster-cidr</c>, <c>--node-cidr-mask-size</c>).</summary>
    public Controllers.ControllerManagerOptions ControllerManager { get; init; } = new();

    /// <summary>Run no cluster DNS in this server (<c>--disable-dns</c>).</summary>
    public bool DisableDns { get; init; }

    /// <summary>The cluster DNS address: the kube-dns Service's cluster IP, where this server answers DNS.</summary>
    public IPAddress ClusterDns => Agent?.ClusterDns ?? ClusterDnsAddress.Of(ServiceCidr);

    public string ClusterDomain => Agent?.ClusterDomain ?? "cluster.local";

    /// <summary>The NodePort range (<c>--service-node-port-range</c>).</summary>
    public string ServiceNodePortRange { get; init; } = "30000-32767";

    /// <summary>Simulated nodes this server also runs (<c>--simulate-nodes N</c>), or null.</summary>
    public Simulation.SimulationOptions? SimulatedNodes { get; init; }
}
