using System.Net;

namespace Skiff.Networking.Dns;

/// <summary>How cluster DNS runs: its zone, TTL, where it listens and where it forwards other names.</summary>
public sealed record ClusterDnsOptions
{
    /// <summary>The cluster domain (kubelet's <c>--cluster-domain</c>).</summary>
    public string Zone { get; init; } = "cluster.local";

    /// <summary>The TTL of every answer from the cluster zone (CoreDNS's default in Kubernetes: 5 s).</summary>
    public int TtlSeconds { get; init; } = 5;

    /// <summary>The addresses to serve on, UDP and TCP each.</summary>
    public IReadOnlyList<IPEndPoint> Listen { get; init; } = [];

    /// <summary>Resolvers for names outside the cluster; empty means the nameservers of <see cref="ResolvConfPath"/>.</summary>
    public IReadOnlyList<IPEndPoint> Upstreams { get; init; } = [];

    public string ResolvConfPath { get; init; } = "/etc/resolv.conf";

    /// <summary>How long one upstream query may take before the next resolver is tried (SERVFAIL after the last).</summary>
    public TimeSpan ForwardTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest an upstream answer is cached (the <c>cache 30</c> of the default Corefile).</summary>
    public TimeSpan MaxCacheTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>At most this many upstream answers are cached.</summary>
    public int CacheCapacity { get; init; } = 10_000;

    /// <summary>The cluster DNS Service (its cluster IP is the zone's name server).</summary>
    public string ServiceNamespace { get; init; } = "kube-system";

    public string ServiceName { get; init; } = "kube-dns";

    /// <summary>Nothing else in the process watches Services and EndpointSlices (<c>skiff dns</c>): the informers
    /// keep only what DNS reads (<see cref="DnsProjection"/>). False where the service proxy shares them (a node).</summary>
    public bool AloneInProcess { get; init; }
}
