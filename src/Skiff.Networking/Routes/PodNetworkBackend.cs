namespace Skiff.Networking.Routes;

/// <summary>How pods reach pods on other nodes (<c>--flannel-backend</c>, flannel's backends).</summary>
public enum PodNetworkBackend
{
    /// <summary>No routes at all (<c>none</c>): someone else connects the nodes.</summary>
    None,

    /// <summary><c>host-gw</c>: a route to each node's pod range via its address; the nodes must share a link.</summary>
    HostGateway,

    /// <summary><c>vxlan</c>: every other node's pods through the VXLAN device, encapsulated in UDP to the node's
    /// address (works across routers).</summary>
    Vxlan,

    /// <summary><c>auto</c> (the default): per node, a direct route when it shares a link with this one and VXLAN
    /// otherwise — flannel's vxlan backend with <c>DirectRouting</c>, so nodes on one LAN pay no encapsulation and
    /// nodes behind routers still connect.</summary>
    Auto,
}

/// <summary>The flag's words for <see cref="PodNetworkBackend"/>.</summary>
public static class PodNetworkBackends
{
    public static IReadOnlyList<string> Names { get; } = ["auto", "vxlan", "host-gw", "none"];

    public static PodNetworkBackend Parse(string name) => name switch
    {
        "auto" => PodNetworkBackend.Auto,
        "vxlan" => PodNetworkBackend.Vxlan,
        "host-gw" => PodNetworkBackend.HostGateway,
        "none" => PodNetworkBackend.None,
        _ => throw new ArgumentException($"unknown flannel backend '{name}' (one of {string.Join(", ", Names)})", nameof(name)),
    };
}
