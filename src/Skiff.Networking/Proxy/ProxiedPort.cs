namespace Skiff.Networking.Proxy;

/// <summary>One port of one Service as the proxy programs it (upstream's ServicePortName plus what the rules
/// need), with the endpoints of that port from the Service's EndpointSlices.</summary>
public sealed record ProxiedPort
{
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    /// <summary>The port's name, or its number when unnamed (the chain names need one).</summary>
    public required string PortName { get; init; }

    /// <summary><c>tcp</c>, <c>udp</c> or <c>sctp</c>, as nft spells them.</summary>
    public required string Protocol { get; init; }

    public required string ClusterIp { get; init; }

    public required int Port { get; init; }

    /// <summary>0 when the Service has no NodePort.</summary>
    public int NodePort { get; init; }

    /// <summary>Seconds of ClientIP affinity; 0 for none.</summary>
    public int AffinitySeconds { get; init; }

    public bool InternalLocal { get; init; }

    public bool ExternalLocal { get; init; }

    public IReadOnlyList<ProxiedEndpoint> Endpoints { get; init; } = [];

    /// <summary><c>ns/name/proto/port</c>: upstream's naming of the per-service chains.</summary>
    public string Key => $"{Namespace}/{Name}/{Protocol}/{PortName}";
}

/// <summary>An endpoint address and target port, with its conditions and whether it runs on this node.</summary>
public sealed record ProxiedEndpoint(string Ip, int Port, bool Ready, bool Serving, bool Terminating, bool Local);
