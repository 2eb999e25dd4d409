using System.Runtime.InteropServices;

namespace Skiff.Streaming.Spdy;

/// <summary>
/// The few zlib calls SPDY header compression needs. <see cref="System.IO.Compression.ZLibStream"/> cannot take a
/// preset dictionary, and SPDY/3 requires one in both directions, so the machine's libz.so.1 is called directly.
/// </summary>
internal static partial class ZlibNative
{
    private const string Library = "libz.so.1";
    private const string Version = "1.2.13";

    public const int NoFlush = 0;
    public const int SyncFlush = 2;
    public const int Ok = 0;
    public const int StreamEnd = 1;
    public const int NeedDict = 2;
    public const int BufError = -5;
    public const int BestCompression = 9;

    /// <summary>zlib's <c>z_stream</c> on LP64 (uLong = 64 bits). It must stay at one address: zlib keeps a pointer back to it.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ZStream
    {
        public nint NextIn;
        public uint AvailIn;
        public nuint TotalIn;
        public nint NextOut;
        public uint AvailOut;
        public nuint TotalOut;
        public nint Msg;
        public nint State;
        public nint ZAlloc;
        public nint ZFree;
        public nint Opaque;
        public int DataType;
        public nuint Adler;
        public nuint Reserved;
    }

    [LibraryImport(Library, EntryPoint = "deflateInit_", StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int DeflateInit(ZStream* stream, int level, string version, int streamSize);

    [LibraryImport(Library, EntryPoint = "inflateInit_", StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int InflateInit(ZStream* stream, string version, int streamSize);

    [LibraryImport(Library, EntryPoint = "deflateSetDictionary")]
    public static unsafe partial int DeflateSetDictionary(ZStream* stream, byte* dictionary, uint length);

    [LibraryImport(Library, EntryPoint = "inflateSetDictionary")]
    public static unsafe partial int InflateSetDictionary(ZStream* stream, byte* dictionary, uint length);

    [LibraryImport(Library, EntryPoint = "deflate")]
    public static unsafe partial int Deflate(ZStream* stream, int flush);

    [LibraryImport(Library, EntryPoint = "inflate")]
    public static unsafe partial int Inflate(ZStream* stream, int flush);

    [LibraryImport(Library, EntryPoint = "deflateEnd")]
    public static unsafe partial int DeflateEnd(ZStream* stream);

    [LibraryImport(Library, EntryPoint = "inflateEnd")]
    public static unsafe partial int InflateEnd(ZStream* stream);

    public static unsafe int DeflateInit(ZStream* stream, int level) => DeflateInit(stream, level, Version, sizeof(ZStream));

    public static unsafe int InflateInit(ZStream* stream) => InflateInit(stream, Version, sizeof(ZStream));
}
