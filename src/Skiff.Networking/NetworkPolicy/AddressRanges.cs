using System.Buffers.Binary;
using System.Numerics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Skiff.Networking.NetworkPolicy;

/// <summary>
/// A set of IPv4 addresses as sorted, disjoint, non-adjacent intervals: pod addresses and ipBlocks (a CIDR minus
/// its excepts) merged into what one nftables interval set can hold without overlapping elements.
/// </summary>
public sealed class AddressRanges
{
    private readonly List<(uint First, uint Last)> _ranges = [];

    public bool IsEmpty => _ranges.Count == 0;

    public void AddAddress(string ip)
    {
        if (TryParse(ip, out var value))
        {
            Add(value, value);
        }
    }

    /// <summary>Adds <paramref name="cidr"/> without the <paramref name="except"/> ranges; IPv6 or unparsable: nothing.</summary>
    public void AddBlock(string cidr, IEnumerable<string>? except)
    {
        if (!TryParseCidr(cidr, out var first, out var last))
        {
            return;
        }

        var pieces = new List<(uint First, uint Last)> { (first, last) };
        foreach (var hole in except ?? [])
        {
            if (!TryParseCidr(hole, out var holeFirst, out var holeLast))
            {
                continue;
            }

            var next = new List<(uint First, uint Last)>();
            foreach (var (f, l) in pieces)
            {
                if (holeLast < f || holeFirst > l)
                {
                    next.Add((f, l));
                    continue;
                }

                if (holeFirst > f)
                {
                    next.Add((f, holeFirst - 1));
                }

                if (holeLast < l)
                {
                    next.Add((holeLast + 1, l));
                }
            }

            pieces = next;
        }

        foreach (var (f, l) in pieces)
        {
            Add(f, l);
        }
    }

    /// <summary>The elements in nft syntax, in address order: <c>10.42.0.5</c>, <c>10.0.0.0/8</c> or <c>a-b</c>.</summary>
    public IReadOnlyList<string> Elements() => [.. _ranges.Select(r => Render(r.First, r.Last))];

    /// <summary>A match on <paramref name="field"/> (<c>ip saddr</c>): one element bare, several as an anonymous set.</summary>
    public string Match(string field)
    {
        var elements = Elements();
        return elements.Count == 1 ? $"{field} {elements[0]}" : $"{field} {{ {string.Join(", ", elements)} }}";
    }

    private void Add(uint first, uint last)
    {
        // Insert and merge with every overlapping or adjacent interval.
        var index = _ranges.FindIndex(r => r.First > first);
        _ranges.Insert(index < 0 ? _ranges.Count : index, (first, last));
        var merged = new List<(uint First, uint Last)>(_ranges.Count);
        foreach (var range in _ranges)
        {
            if (merged.Count > 0 && (merged[^1].Last == uint.MaxValue || range.First <= merged[^1].Last + 1))
            {
                merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, range.Last));
            }
            else
            {
                merged.Add(range);
            }
        }

        _ranges.Clear();
        _ranges.AddRange(merged);
    }

    private static string Render(uint first, uint last)
    {
        if (first == last)
        {
            return Format(first);
        }

        var size = (ulong)last - first + 1;
        if ((size & (size - 1)) == 0 && (first & (uint)(size - 1)) == 0)
        {
            var prefix = 32 - BitOperations.Log2(size);
            return $"{Format(first)}/{prefix.ToString(CultureInfo.InvariantCulture)}";
        }

        return $"{Format(first)}-{Format(last)}";
    }

    private static string Format(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes).ToString();
    }

    internal static bool TryParse(string? ip, out uint value)
    {
        value = 0;
        if (ip is null || !IPAddress.TryParse(ip, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        return true;
    }

    private static bool TryParseCidr(string? cidr, out uint first, out uint last)
    {
        first = last = 0;
        var slash = cidr?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash <= 0 || !TryParse(cidr![..slash], out var address)
            || !int.TryParse(cidr.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 32)
        {
            return false;
        }

        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        first = address & mask;
        last = first | ~mask;
        return true;
    }
}
