using System.Collections;
using System.Numerics;

namespace Skiff.ApiServer.Services;

/// <summary>
/// Which offsets of a range are taken, with upstream's two bands (KEP-3070/3668): offsets below
/// <see cref="StaticBandSize"/> are meant for explicit requests, so dynamic allocation scans the upper band first
/// (from a random start) and falls back to the lower band only when the upper one is full.
/// </summary>
public sealed class AllocationBitmap
{
    private readonly BitArray _bits;

    public AllocationBitmap(int size, int staticBandSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        Size = size;
        StaticBandSize = Math.Clamp(staticBandSize, 0, size);
        _bits = new BitArray(size);
    }

    public int Size { get; }

    public int StaticBandSize { get; }

    public int Count { get; private set; }

    public bool Has(int offset) => offset >= 0 && offset < Size && _bits[offset];

    /// <summary>Marks <paramref name="offset"/> taken; false when it already was.</summary>
    public bool Allocate(int offset)
    {
        if (_bits[offset])
        {
            return false;
        }

        _bits[offset] = true;
        Count++;
        return true;
    }

    public void Release(int offset)
    {
        if (offset >= 0 && offset < Size && _bits[offset])
        {
            _bits[offset] = false;
            Count--;
        }
    }

    /// <summary>Picks and marks a free offset (upper band first, random start); null when the range is full.</summary>
    public int? AllocateNext(Func<int, int> random)
    {
        var free = Scan(StaticBandSize, Size, random) ?? Scan(0, StaticBandSize, random);
        if (free is { } offset)
        {
            Allocate(offset);
        }

        return free;
    }

    private int? Scan(int from, int to, Func<int, int> random)
    {
        var length = to - from;
        if (length <= 0)
        {
            return null;
        }

        var start = random(length);
        for (var i = 0; i < length; i++)
        {
            var offset = from + ((start + i) % length);
            if (!_bits[offset])
            {
                return offset;
            }
        }

        return null;
    }

    public IEnumerable<int> Allocated()
    {
        for (var i = 0; i < Size; i++)
        {
            if (_bits[i])
            {
                yield return i;
            }
        }
    }

    /// <summary>The bitmap as upstream stores it in a RangeAllocation: big.Int bytes, big-endian, bit i = offset i.</summary>
    public byte[] ToBytes()
    {
        var value = BigInteger.Zero;
        foreach (var offset in Allocated())
        {
            value |= BigInteger.One << offset;
        }

        return value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true);
    }

    public static AllocationBitmap FromBytes(int size, int staticBandSize, ReadOnlySpan<byte> data)
    {
        var bitmap = new AllocationBitmap(size, staticBandSize);
        var value = new BigInteger(data, isUnsigned: true, isBigEndian: true);
        for (var i = 0; i < size && !value.IsZero; i++, value >>= 1)
        {
            if (!value.IsEven)
            {
                bitmap.Allocate(i);
            }
        }

        return bitmap;
    }
}
