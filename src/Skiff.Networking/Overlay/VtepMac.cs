using System.Globalization;
using System.Net;

namespace Skiff.Networking.Overlay;

/// <summary>
/// The MAC address of a node's VXLAN device, derived from the node's address: locally administered, unicast
/// (<c>0e:53:</c> then the four bytes of the IPv4 address). The same after a restart or a re-created device, so the
/// Node's annotation and the other nodes' forwarding entries never go stale (flannel keeps a random one in its
/// annotation instead).
/// </summary>
public static class VtepMac
{
    public static string For(IPAddress nodeIp)
    {
        ArgumentNullException.ThrowIfNull(nodeIp);
        var b = nodeIp.MapToIPv4().GetAddressBytes();
        return string.Join(':', new byte[] { 0x0e, 0x53, b[0], b[1], b[2], b[3] }.Select(x => x.ToString("x2", CultureInfo.InvariantCulture)));
    }
}
