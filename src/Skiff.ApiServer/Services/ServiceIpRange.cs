using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Skiff.ApiServer.Services;

/// <summary>
/// An IPv4 service CIDR as upstream's ipallocator sees it: the network and broadcast addresses are never handed out,
/// so offset 0 is the network address + 1 (where the <c>kubernetes</c> Service lives).
/// </summary>
public sealed record ServiceIpRange
{
    private ServiceIpRange(uint network, int prefixLength)
    {
        Network = network;
        PrefixLength = prefixLength;
    }

    public uint Network { get; }

    public int PrefixLength { get; }

    /// <summary>How many addresses may be allocated.</summary>
    public int Size => (int)Math.Min(CidrSize - 2, int.MaxValue);

    private long CidrSize => 1L << (32 - PrefixLength);

    /// <summary>Upstream's static band: cidr size / 16, at least 16 and at most 256 (0 for ranges under 16).</summary>
    public int StaticBandSize => CidrSize < 16 ? 0 : (int)Math.Clamp(CidrSize / 16, 16, 256);

    public static ServiceIpRange Parse(string cidr)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(cidr.AsSpan(0, slash), out var ip) || ip.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(cidr.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix is < 1 or > 30)
        {
            throw new FormatException($"invalid service CIDR {cidr}: an IPv4 CIDR with a prefix of /1 to /30 is expected, e.g. 10.43.0.0/16");
        }

        var value = ToUInt(ip);
        var mask = uint.MaxValue << (32 - prefix);
        return new ServiceIpRange(value & mask, prefix);
    }

    public IPAddress At(int offset) => FromUInt(Network + 1 + (uint)offset);

    /// <summary>The offset of <paramref name="ip"/>, or null when it is outside the allocatable addresses.</summary>
    public int? OffsetOf(IPAddress ip)
    {
        if (ip.AddressFamily != AddressFamily.InterNetwork)
        {
            return null;
        }

        var offset = (long)ToUInt(ip) - Network - 1;
        return offset >= 0 && offset < Size ? (int)offset : null;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{FromUInt(Network)}/{PrefixLength}");

    private static uint ToUInt(IPAddress ip)
    {
        Span<byte> bytes = stackalloc byte[4];
        ip.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    private static IPAddress FromUInt(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
