namespace Skiff.Networking.Proxy;

/// <summary>What one node's service proxy needs to know about its node.</summary>
public sealed record ServiceProxyOptions
{
    public required string NodeName { get; init; }

    /// <summary>The node's pod range: traffic to a ClusterIP from elsewhere is masqueraded.</summary>
    public string? PodCidr { get; init; }

    /// <summary>The cluster's pod range (<c>--cluster-cidr</c>): pod traffic leaving it is masqueraded; null: not.</summary>
    public string? ClusterCidr { get; init; }

    /// <summary>The cluster's Service range (<c>--service-cidr</c>): new connections to an address in it that no
    /// Service of this node's rules holds are dropped rather than routed off the node untranslated; null: not.</summary>
    public string? ServiceCidr { get; init; }

    /// <summary>The nftables table (family ip). Upstream's is <c>kube-proxy</c>; each Skiff node on a machine has its
    /// own so that several nodes on one host never rewrite each other's.</summary>
    public string Table { get; init; } = "skiff-proxy";

    /// <summary>kube-proxy's default <c>--min-sync-period</c> for nftables is 1 s: bursts of changes are coalesced.</summary>
    public TimeSpan MinSyncPeriod { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The pods' bridge (route_localnet for NodePorts on 127.0.0.1); null when the runtime is not Skiff's.</summary>
    public string? BridgeName { get; init; }

    /// <summary>Run nft inside this network namespace (tests); null for the node's own.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>The table name for a node (nft identifiers: letters, digits, '-', '_', '.').</summary>
    public static string TableFor(string nodeName) =>
        "skiff-proxy-" + new string([.. (nodeName ?? string.Empty).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
}
