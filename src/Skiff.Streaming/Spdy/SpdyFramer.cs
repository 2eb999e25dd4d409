using System.Buffers.Binary;

namespace Skiff.Streaming.Spdy;

/// <summary>
/// Reads and writes SPDY/3.1 frames. Control frames: <c>1 | version 3 (15 bits) | type (16) | flags (8) | length (24)</c>;
/// data frames: <c>0 | stream id (31) | flags (8) | length (24)</c>. Header blocks go through the connection's
/// <see cref="HeaderBlockCodec"/>, so frames must be encoded and decoded in wire order.
/// </summary>
public sealed class SpdyFramer
{
    public const ushort Version = 3;
    public const int MaxLength = (1 << 24) - 1;
    private const byte FlagFin = 0x01;
    private const byte FlagUnidirectional = 0x02;

    private readonly HeaderBlockCodec _codec;

    public SpdyFramer(HeaderBlockCodec codec)
    {
        _codec = codec;
    }

    public byte[] Encode(SpdyFrame frame)
    {
        switch (frame)
        {
            case DataFrame data:
                {
                    var bytes = new byte[8 + data.Data.Length];
                    BinaryPrimitives.WriteUInt32BigEndian(bytes, data.StreamId & 0x7FFFFFFF);
                    WriteFlagsAndLength(bytes.AsSpan(4), data.Fin ? FlagFin : (byte)0, data.Data.Length);
                    data.Data.Span.CopyTo(bytes.AsSpan(8));
                    return bytes;
                }

            case SynStreamFrame syn:
                {
                    var block = _codec.Encode(syn.Headers);
                    var body = new byte[10 + block.Length];
                    BinaryPrimitives.WriteUInt32BigEndian(body, syn.StreamId & 0x7FFFFFFF);
                    BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(4), syn.AssociatedStreamId & 0x7FFFFFFF);
                    body[8] = (byte)((syn.Priority & 0x7) << 5);
                    block.CopyTo(body, 10);
                    return Control(1, (byte)((syn.Fin ? FlagFin : 0) | (syn.Unidirectional ? FlagUnidirectional : 0)), body);
                }

            case SynReplyFrame reply:
                return Control(2, reply.Fin ? FlagFin : (byte)0, StreamAndBlock(reply.StreamId, _codec.Encode(reply.Headers)));
            case HeadersFrame headers:
                return Control(8, headers.Fin ? FlagFin : (byte)0, StreamAndBlock(headers.StreamId, _codec.Encode(headers.Headers)));
            case RstStreamFrame rst:
                return Control(3, 0, TwoWords(rst.StreamId & 0x7FFFFFFF, (uint)rst.Status));
            case SettingsFrame settings:
                {
                    var body = new byte[4 + (8 * settings.Settings.Count)];
                    BinaryPrimitives.WriteInt32BigEndian(body, settings.Settings.Count);
                    for (var i = 0; i < settings.Settings.Count; i++)
                    {
                        var s = settings.Settings[i];
                        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(4 + (8 * i)), ((uint)s.Flags << 24) | (s.Id & 0xFFFFFF));
                        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(8 + (8 * i)), s.Value);
                    }

                    return Control(4, 0, body);
                }

            case PingFrame ping:
                {
                    var body = new byte[4];
                    BinaryPrimitives.WriteUInt32BigEndian(body, ping.Id);
                    return Control(6, 0, body);
                }

            case GoAwayFrame goAway:
                return Control(7, 0, TwoWords(goAway.LastGoodStreamId & 0x7FFFFFFF, goAway.Status));
            case WindowUpdateFrame window:
                return Control(9, 0, TwoWords(window.StreamId & 0x7FFFFFFF, window.DeltaWindowSize & 0x7FFFFFFF));
            default:
                throw new ArgumentException($"cannot encode {frame.GetType().Name}", nameof(frame));
        }
    }

    /// <summary>Reads the next frame; null at a clean end of stream between frames.</summary>
    public async ValueTask<SpdyFrame?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[8];
        if (!await ReadExactlyOrEndAsync(stream, header, cancellationToken))
        {
            return null;
        }

        var flags = header[4];
        var length = (header[5] << 16) | (header[6] << 8) | header[7];
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, cancellationToken);
        return Decode(header, body);
    }

    /// <summary>Decodes one frame from its 8-byte header and its body.</summary>
    public SpdyFrame Decode(ReadOnlySpan<byte> header, byte[] body)
    {
        var flags = header[4];
        if ((header[0] & 0x80) == 0)
        {
            return new DataFrame(BinaryPrimitives.ReadUInt32BigEndian(header) & 0x7FFFFFFF, (flags & FlagFin) != 0, body);
        }

        var version = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(header) & 0x7FFF);
        if (version != Version)
        {
            throw new SpdyProtocolException($"unsupported SPDY version {version}");
        }

        var type = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        var fin = (flags & FlagFin) != 0;
        switch (type)
        {
            case 1:
                Require(body, 10, "SYN_STREAM");
                return new SynStreamFrame(Word(body, 0), Word(body, 4), (byte)(body[8] >> 5), fin, (flags & FlagUnidirectional) != 0, _codec.Decode(body.AsSpan(10)));
            case 2:
                Require(body, 4, "SYN_REPLY");
                return new SynReplyFrame(Word(body, 0), fin, _codec.Decode(body.AsSpan(4)));
            case 3:
                Require(body, 8, "RST_STREAM");
                return new RstStreamFrame(Word(body, 0), (RstStatus)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(4)));
            case 4:
                {
                    Require(body, 4, "SETTINGS");
                    var count = BinaryPrimitives.ReadInt32BigEndian(body);
                    if (count < 0 || body.Length < 4 + (8L * count))
                    {
                        throw new SpdyProtocolException("truncated SETTINGS frame");
                    }

                    var settings = new List<SpdySetting>(count);
                    for (var i = 0; i < count; i++)
                    {
                        var idWord = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(4 + (8 * i)));
                        settings.Add(new SpdySetting((byte)(idWord >> 24), idWord & 0xFFFFFF, BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(8 + (8 * i)))));
                    }

                    return new SettingsFrame(settings);
                }

            case 6:
                Require(body, 4, "PING");
                return new PingFrame(BinaryPrimitives.ReadUInt32BigEndian(body));
            case 7:
                Require(body, 8, "GOAWAY");
                return new GoAwayFrame(Word(body, 0), BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(4)));
            case 8:
                Require(body, 4, "HEADERS");
                return new HeadersFrame(Word(body, 0), fin, _codec.Decode(body.AsSpan(4)));
            case 9:
                Require(body, 8, "WINDOW_UPDATE");
                return new WindowUpdateFrame(Word(body, 0), Word(body, 4));
            default:
                return new UnknownControlFrame(type);
        }
    }

    private static uint Word(byte[] body, int offset) => BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset)) & 0x7FFFFFFF;

    private static void Require(byte[] body, int length, string name)
    {
        if (body.Length < length)
        {
            throw new SpdyProtocolException($"truncated {name} frame");
        }
    }

    private static byte[] StreamAndBlock(uint streamId, byte[] block)
    {
        var body = new byte[4 + block.Length];
        BinaryPrimitives.WriteUInt32BigEndian(body, streamId & 0x7FFFFFFF);
        block.CopyTo(body, 4);
        return body;
    }

    private static byte[] TwoWords(uint first, uint second)
    {
        var body = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(body, first);
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(4), second);
        return body;
    }

    private static byte[] Control(ushort type, byte flags, byte[] body)
    {
        var bytes = new byte[8 + body.Length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, 0x8000 | Version);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), type);
        WriteFlagsAndLength(bytes.AsSpan(4), flags, body.Length);
        body.CopyTo(bytes, 8);
        return bytes;
    }

    private static void WriteFlagsAndLength(Span<byte> target, byte flags, int length)
    {
        if (length > MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), "SPDY frames carry at most 16 MiB - 1");
        }

        target[0] = flags;
        target[1] = (byte)(length >> 16);
        target[2] = (byte)(length >> 8);
        target[3] = (byte)length;
    }

    private static async ValueTask<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                if (read == 0)
                {
                    return false;
                }

                throw new EndOfStreamException("SPDY connection ended inside a frame header");
            }

            read += n;
        }

        return true;
    }
}
