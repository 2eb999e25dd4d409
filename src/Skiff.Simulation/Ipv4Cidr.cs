using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Skiff.Simulation;

/// <summary>An IPv4 range <c>a.b.c.d/n</c>: its n-th address and its n-th /24, the arithmetic the simulated nodes
/// need to hand out node and pod addresses.</summary>
public sealed record Ipv4Cidr(uint Network, int PrefixLength)
{
    public static Ipv4Cidr Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0
            || !IPAddress.TryParse(text.AsSpan(0, slash), out var address)
            || address.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
            || prefix is < 0 or > 32)
        {
            throw new FormatException($"'{text}' is not an IPv4 CIDR such as 10.128.0.0/10");
        }

        var value = BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        return new Ipv4Cidr(value & Mask(prefix), prefix);
    }

    /// <summary>How many addresses the range holds.</summary>
    public long Size => 1L << (32 - PrefixLength);

    /// <summary>The address <paramref name="offset"/> after the network address.</summary>
    public IPAddress Address(long offset)
    {
        if (offset < 0 || offset >= Size)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"{this} holds no address at offset {offset}");
        }

        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)(Network + offset));
        return new IPAddress(bytes);
    }

    /// <summary>The <paramref name="index"/>-th /24 inside this range.</summary>
    public Ipv4Cidr Subnet24(int index)
    {
        if (PrefixLength > 24 || index < 0 || index >= Size / 256)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"{this} holds no /24 number {index}");
        }

        return new Ipv4Cidr((uint)(Network + ((long)index * 256)), 24);
    }

    public override string ToString() => $"{Address(0)}/{PrefixLength}";

    private static uint Mask(int prefix) => prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
}
