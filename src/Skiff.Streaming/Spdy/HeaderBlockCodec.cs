using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Skiff.Streaming.Spdy;

/// <summary>
/// SPDY/3 name/value header blocks: <c>count, (len name, len value)*</c> with 32-bit big-endian lengths, multiple
/// values joined by NUL, compressed with one zlib stream per direction that lives as long as the connection (each
/// block ends with a sync flush). One instance per connection; not thread-safe (callers serialise frame writes and
/// frame reads anyway).
/// </summary>
public sealed unsafe class HeaderBlockCodec : IDisposable
{
    private readonly ZlibNative.ZStream* _deflate;
    private readonly ZlibNative.ZStream* _inflate;
    private readonly byte* _dictionary;
    private bool _disposed;

    public HeaderBlockCodec()
    {
        var dictionary = SpdyDictionary.Bytes;
        _dictionary = (byte*)NativeMemory.Alloc((nuint)dictionary.Length);
        dictionary.CopyTo(new Span<byte>(_dictionary, dictionary.Length));
        _deflate = (ZlibNative.ZStream*)NativeMemory.AllocZeroed((nuint)sizeof(ZlibNative.ZStream));
        _inflate = (ZlibNative.ZStream*)NativeMemory.AllocZeroed((nuint)sizeof(ZlibNative.ZStream));
        Check(ZlibNative.DeflateInit(_deflate, ZlibNative.BestCompression), "deflateInit");
        Check(ZlibNative.DeflateSetDictionary(_deflate, _dictionary, (uint)dictionary.Length), "deflateSetDictionary");
        Check(ZlibNative.InflateInit(_inflate), "inflateInit");
    }

    /// <summary>Serialises and compresses <paramref name="headers"/> (names lower-cased, as SPDY/3 requires).</summary>
    public byte[] Encode(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Compress(Serialize(headers));
    }

    /// <summary>Inflates one compressed block and parses it. Throws <see cref="SpdyProtocolException"/> on garbage.</summary>
    public List<KeyValuePair<string, string>> Decode(ReadOnlySpan<byte> compressed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Parse(Decompress(compressed));
    }

    internal static byte[] Serialize(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var grouped = headers.GroupBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal).ToList();
        using var buffer = new MemoryStream();
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, grouped.Count);
        buffer.Write(word);
        foreach (var group in grouped)
        {
            WriteString(buffer, group.Key, word);
            WriteString(buffer, string.Join('\0', group.Select(h => h.Value)), word);
        }

        return buffer.ToArray();
    }

    internal static List<KeyValuePair<string, string>> Parse(ReadOnlySpan<byte> block)
    {
        var result = new List<KeyValuePair<string, string>>();
        var count = ReadLength(ref block);
        for (var i = 0; i < count; i++)
        {
            var name = ReadString(ref block);
            var value = ReadString(ref block);
            foreach (var part in value.Split('\0'))
            {
                result.Add(new(name, part));
            }
        }

        return result;
    }

    private static void WriteString(MemoryStream buffer, string text, Span<byte> word)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        BinaryPrimitives.WriteInt32BigEndian(word, bytes.Length);
        buffer.Write(word);
        buffer.Write(bytes);
    }

    private static int ReadLength(ref ReadOnlySpan<byte> block)
    {
        if (block.Length < 4)
        {
            throw new SpdyProtocolException("truncated header block");
        }

        var value = BinaryPrimitives.ReadInt32BigEndian(block);
        block = block[4..];
        if (value < 0 || value > block.Length + 4)
        {
            throw new SpdyProtocolException("invalid length in header block");
        }

        return value;
    }

    private static string ReadString(ref ReadOnlySpan<byte> block)
    {
        var length = ReadLength(ref block);
        if (length > block.Length)
        {
            throw new SpdyProtocolException("truncated header block");
        }

        var text = Encoding.UTF8.GetString(block[..length]);
        block = block[length..];
        return text;
    }

    private byte[] Compress(byte[] input)
    {
        using var output = new MemoryStream();
        var chunk = new byte[Math.Max(256, input.Length + 64)];
        fixed (byte* inPtr = input)
        fixed (byte* outPtr = chunk)
        {
            _deflate->NextIn = (nint)inPtr;
            _deflate->AvailIn = (uint)input.Length;
            do
            {
                _deflate->NextOut = (nint)outPtr;
                _deflate->AvailOut = (uint)chunk.Length;
                var rc = ZlibNative.Deflate(_deflate, ZlibNative.SyncFlush);
                if (rc != ZlibNative.Ok && rc != ZlibNative.BufError)
                {
                    throw new SpdyProtocolException($"deflate failed ({rc})");
                }

                output.Write(chunk, 0, chunk.Length - (int)_deflate->AvailOut);
            }
            while (_deflate->AvailOut == 0);
        }

        _deflate->NextIn = 0;
        _deflate->NextOut = 0;
        return output.ToArray();
    }

    private byte[] Decompress(ReadOnlySpan<byte> input)
    {
        using var output = new MemoryStream();
        var chunk = new byte[4096];
        fixed (byte* inPtr = input)
        fixed (byte* outPtr = chunk)
        {
            _inflate->NextIn = (nint)inPtr;
            _inflate->AvailIn = (uint)input.Length;
            while (true)
            {
                _inflate->NextOut = (nint)outPtr;
                _inflate->AvailOut = (uint)chunk.Length;
                var rc = ZlibNative.Inflate(_inflate, ZlibNative.SyncFlush);
                if (rc == ZlibNative.NeedDict)
                {
                    Check(ZlibNative.InflateSetDictionary(_inflate, _dictionary, (uint)SpdyDictionary.Bytes.Length), "inflateSetDictionary");
                    continue;
                }

                if (rc != ZlibNative.Ok && rc != ZlibNative.BufError && rc != ZlibNative.StreamEnd)
                {
                    throw new SpdyProtocolException($"header block does not inflate ({rc})");
                }

                output.Write(chunk, 0, chunk.Length - (int)_inflate->AvailOut);
                if (_inflate->AvailIn == 0 && _inflate->AvailOut != 0)
                {
                    break;
                }

                if (rc == ZlibNative.BufError && _inflate->AvailOut != 0)
                {
                    break;
                }
            }
        }

        _inflate->NextIn = 0;
        _inflate->NextOut = 0;
        return output.ToArray();
    }

    private static void Check(int rc, string call)
    {
        if (rc != ZlibNative.Ok)
        {
            throw new SpdyProtocolException($"{call} failed ({rc})");
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _ = ZlibNative.DeflateEnd(_deflate);
        _ = ZlibNative.InflateEnd(_inflate);
        NativeMemory.Free(_deflate);
        NativeMemory.Free(_inflate);
        NativeMemory.Free(_dictionary);
    }
}
