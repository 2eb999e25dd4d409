using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Skiff.Containerd;

/// <summary>
/// Picks a bridge name, pod subnet and stream port that nothing on this machine uses yet, for tests and for extra
/// nodes started next to others. The subnet is chosen at random in 10.100.0.0-10.199.255.0/24 and checked against
/// the kernel's routes; the bridge name is checked against existing interfaces; the port is one the kernel hands out.
/// </summary>
public static class IsolatedNodeNetwork
{
    public static ContainerdOptions Options(string stateDir)
    {
        var routes = ReadIpv4Routes();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var second = Random.Shared.Next(100, 200);
            var third = Random.Shared.Next(0, 256);
            var subnet = Ipv4Subnet.Parse($"10.{second.ToString(CultureInfo.InvariantCulture)}.{third.ToString(CultureInfo.InvariantCulture)}.0/24");
            var bridge = $"skt{second.ToString(CultureInfo.InvariantCulture)}x{third.ToString(CultureInfo.InvariantCulture)}";
            if (routes.Any(route => route.Overlaps(subnet) && route.PrefixLength > 0) || Directory.Exists(Path.Combine("/sys/class/net", bridge)))
            {
                continue;
            }

            return new ContainerdOptions
            {
                StateDir = stateDir,
                BridgeName = bridge,
                Subnet = subnet.ToString(),
                StreamPort = FreeLoopbackPort(),
            };
        }

        throw new InvalidOperationException("No free 10.1xx.y.0/24 subnet found for a node network.");
    }

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Destinations of the IPv4 routing table (/proc/net/route), excluding the default route.</summary>
    internal static IReadOnlyList<Ipv4Subnet> ReadIpv4Routes()
    {
        var routes = new List<Ipv4Subnet>();
        if (!File.Exists("/proc/net/route"))
        {
            return routes;
        }

        foreach (var line in File.ReadLines("/proc/net/route").Skip(1))
        {
            var fields = line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length < 8
                || !uint.TryParse(fields[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var destination)
                || !uint.TryParse(fields[7], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask))
            {
                continue;
            }

            // The file holds addresses in host (little-endian) byte order.
            var prefix = System.Numerics.BitOperations.PopCount(mask);
            if (prefix is < 8 or > 30)
            {
                continue;
            }

            var address = new IPAddress(BitConverter.GetBytes(destination));
            routes.Add(Ipv4Subnet.Parse($"{address}/{prefix.ToString(CultureInfo.InvariantCulture)}"));
        }

        return routes;
    }
}
