using System.Buffers.Binary;
using System.Globalization;
using System.Net;

namespace Skiff.Controllers.NodeIpam;

/// <summary>
/// The node subnets of one IPv4 cluster CIDR (upstream's pkg/controller/nodeipam/ipam/cidrset): the cluster range cut
/// into blocks of <c>/maskSize</c>, each free or used. Allocation goes round from the block after the last one
/// handed out, so a block just released is not given again at once. Not thread-safe: the controller locks.
/// </summary>
public sealed class CidrSet
{
    private readonly uint _base;
    private readonly int _clusterPrefix;
    private readonly bool[] _used;
    private int _next;

    public CidrSet(string clusterCidr, int nodeMaskSize)
    {
        (_base, _clusterPrefix) = ParseCidr(clusterCidr);
        // Upstream allows at most 16 bits between the cluster mask and the node mask (65,536 nodes).
        if (nodeMaskSize < _clusterPrefix || nodeMaskSize > 30 || nodeMaskSize - _clusterPrefix > 16)
        {
            throw new ArgumentException(
                $"--node-cidr-mask-size {nodeMaskSize} does not fit cluster CIDR {clusterCidr}: it must be between {_clusterPrefix} and {Math.Min(30, _clusterPrefix + 16)}.",
                nameof(nodeMaskSize));
        }

        NodeMaskSize = nodeMaskSize;
        _used = new bool[1 << (nodeMaskSize - _clusterPrefix)];
    }

    public int NodeMaskSize { get; }

    /// <summary>Blocks in the cluster range.</summary>
    public int Capacity => _used.Length;

    /// <summary>Blocks in use.</summary>
    public int UsedCount { get; private set; }

    /// <summary>The next free block, marked used; null when every block is used.</summary>
    public string? AllocateNext()
    {
        for (var i = 0; i < _used.Length; i++)
        {
            var candidate = (_next + i) % _used.Length;
            if (!_used[candidate])
            {
                _used[candidate] = true;
                UsedCount++;
                _next = (candidate + 1) % _used.Length;
                return BlockCidr(candidate);
            }
        }

        return null;
    }

    /// <summary>Marks every block <paramref name="cidr"/> overlaps as used (a range set on a node by hand, or found at
    /// start). A range outside the cluster CIDR is ignored (false).</summary>
    public bool Occupy(string cidr) => Mark(cidr, used: true);

    /// <summary>Frees every block <paramref name="cidr"/> overlaps.</summary>
    public bool Release(string cidr) => Mark(cidr, used: false);

    /// <summary>Whether the block holding <paramref name="cidr"/>'s first address is used.</summary>
    public bool IsUsed(string cidr)
    {
        var blocks = Blocks(cidr);
        return blocks is { } b && _used[b.First];
    }

    private bool Mark(string cidr, bool used)
    {
        if (Blocks(cidr) is not { } blocks)
        {
            return false;
        }

        for (var i = blocks.First; i <= blocks.Last; i++)
        {
            if (_used[i] != used)
            {
                _used[i] = used;
                UsedCount += used ? 1 : -1;
            }
        }

        return true;
    }

    /// <summary>The indexes of the blocks <paramref name="cidr"/> overlaps; null when it lies outside the cluster range
    /// or is not an IPv4 CIDR.</summary>
    private (int First, int Last)? Blocks(string cidr)
    {
        if (!TryParseCidr(cidr, out var start, out var prefix))
        {
            return null;
        }

        var end = prefix == 0 ? uint.MaxValue : start | (uint.MaxValue >> prefix);
        var clusterEnd = _base | (uint.MaxValue >> _clusterPrefix);
        if (end < _base || start > clusterEnd)
        {
            return null;
        }

        var shift = 32 - NodeMaskSize;
        var first = (int)((Math.Max(start, _base) - _base) >> shift);
        var last = (int)((Math.Min(end, clusterEnd) - _base) >> shift);
        return (first, last);
    }

    private string BlockCidr(int index)
    {
        var address = _base + ((uint)index << (32 - NodeMaskSize));
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return $"{new IPAddress(bytes)}/{NodeMaskSize.ToString(CultureInfo.InvariantCulture)}";
    }

    private static (uint Base, int Prefix) ParseCidr(string cidr) =>
        TryParseCidr(cidr, out var start, out var prefix)
            ? (start, prefix)
            : throw new ArgumentException($"'{cidr}' is not an IPv4 CIDR such as 10.42.0.0/16.", nameof(cidr));

    /// <summary>Parses <c>a.b.c.d/n</c>; the start is the network address (host bits cleared, as Go's ParseCIDR).</summary>
    private static bool TryParseCidr(string cidr, out uint start, out int prefix)
    {
        start = 0;
        prefix = 0;
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0
            || !IPAddress.TryParse(cidr.AsSpan(0, slash), out var address)
            || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(cidr.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix)
            || prefix is < 0 or > 32)
        {
            return false;
        }

        var value = BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        start = prefix == 0 ? 0 : value & (uint.MaxValue << (32 - prefix));
        return true;
    }
}
