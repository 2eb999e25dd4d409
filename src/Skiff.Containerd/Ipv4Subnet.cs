using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Skiff.Containerd;

/// <summary>An IPv4 network in CIDR form, e.g. <c>10.88.0.0/24</c>; the gateway is its first host address.</summary>
public sealed record Ipv4Subnet
{
    private Ipv4Subnet(uint network, int prefixLength)
    {
        Network = network;
        PrefixLength = prefixLength;
    }

    /// <summary>Network address as a host-order integer.</summary>
    public uint Network { get; }

    public int PrefixLength { get; }

    /// <summary>First usable address; the bridge gets it and pods route through it.</summary>
    public IPAddress Gateway => ToAddress(Network + 1);

    public static Ipv4Subnet Parse(string cidr)
    {
        if (!TryParse(cidr, out var subnet))
        {
            throw new FormatException($"'{cidr}' is not an IPv4 CIDR with a prefix between 8 and 30, such as 10.88.0.0/24.");
        }

        return subnet;
    }

    public static bool TryParse(string? cidr, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Ipv4Subnet? subnet)
    {
        subnet = null;
        var slash = cidr?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (cidr is null || slash < 0
            || !IPAddress.TryParse(cidr.AsSpan(0, slash), out var address)
            || address.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(cidr.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
            || prefix is < 8 or > 30)
        {
            return false;
        }

        var value = BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        var mask = uint.MaxValue << (32 - prefix);
        subnet = new Ipv4Subnet(value & mask, prefix);
        return true;
    }

    /// <summary>True when the two networks share at least one address.</summary>
    public bool Overlaps(Ipv4Subnet other)
    {
        var shorter = Math.Min(PrefixLength, other.PrefixLength);
        var mask = uint.MaxValue << (32 - shorter);
        return (Network & mask) == (other.Network & mask);
    }

    public bool Contains(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        var value = BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        var mask = uint.MaxValue << (32 - PrefixLength);
        return (value & mask) == Network;
    }

    public override string ToString() => $"{ToAddress(Network)}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}";

    private static IPAddress ToAddress(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
