using System.Net;
using System.Text.Json.Nodes;
using Skiff.Networking.Routes;

namespace Skiff.Networking.Overlay;

/// <summary>
/// The MTU pods get (flannel's FLANNEL_MTU, which its CNI plugin hands the bridge): with VXLAN in use (<c>vxlan</c>,
/// and <c>auto</c> since any peer may be reached through the overlay) the underlay link's MTU less the 50 bytes of
/// outer headers, so a full-size pod packet fits the overlay device without fragmentation or lost PMTU discovery;
/// <c>host-gw</c> the link's own MTU; <c>none</c>, or a node on loopback (nodes sharing one kernel), no opinion.
/// </summary>
public static class PodMtu
{
    /// <summary>The pod MTU for <paramref name="backend"/> over a link of <paramref name="underlayMtu"/> (null: leave
    /// the CNI plugin's default).</summary>
    public static int? For(PodNetworkBackend backend, int? underlayMtu) => (backend, underlayMtu) switch
    {
        (_, null) or (PodNetworkBackend.None, _) => null,
        (PodNetworkBackend.Vxlan or PodNetworkBackend.Auto, { } mtu) => mtu - VxlanSettings.Overhead,
        (_, { } mtu) => mtu,
    };

    /// <summary>The MTU of the link holding <paramref name="nodeIp"/> in <c>ip -j addr show</c> output (null: no link
    /// has it, or the address is loopback).</summary>
    public static int? LinkMtuOf(string addrShowJson, IPAddress nodeIp)
    {
        ArgumentNullException.ThrowIfNull(nodeIp);
        if (IPAddress.IsLoopback(nodeIp) || string.IsNullOrWhiteSpace(addrShowJson))
        {
            return null;
        }

        var address = nodeIp.ToString();
        return (JsonNode.Parse(addrShowJson)?.AsArray() ?? [])
            .Where(link => link?["addr_info"]?.AsArray().Any(a => a?["local"]?.GetValue<string>() == address) == true)
            .Select(link => link!["mtu"]?.GetValue<int>())
            .FirstOrDefault();
    }

    /// <summary>The pod MTU on this host for a node at <paramref name="nodeIp"/> (its link read with <c>ip</c>).</summary>
    public static async Task<int?> DetectAsync(PodNetworkBackend backend, IPAddress nodeIp, CancellationToken cancellationToken, string? netns = null)
    {
        ArgumentNullException.ThrowIfNull(nodeIp);
        if (backend == PodNetworkBackend.None || IPAddress.IsLoopback(nodeIp))
        {
            return null;
        }

        var json = await IpCommand.RunAsync("ip", netns, ["-4", "-j", "addr", "show"], cancellationToken);
        return For(backend, LinkMtuOf(json, nodeIp));
    }
}
