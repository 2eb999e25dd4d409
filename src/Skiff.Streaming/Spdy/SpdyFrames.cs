namespace Skiff.Streaming.Spdy;

/// <summary>One SPDY/3.1 frame, unpacked. Header lists keep order and may repeat names.</summary>
public abstract record SpdyFrame;

public sealed record DataFrame(uint StreamId, bool Fin, ReadOnlyMemory<byte> Data) : SpdyFrame;

public sealed record SynStreamFrame(uint StreamId, uint AssociatedStreamId, byte Priority, bool Fin, bool Unidirectional, IReadOnlyList<KeyValuePair<string, string>> Headers) : SpdyFrame;

public sealed record SynReplyFrame(uint StreamId, bool Fin, IReadOnlyList<KeyValuePair<string, string>> Headers) : SpdyFrame;

public sealed record RstStreamFrame(uint StreamId, RstStatus Status) : SpdyFrame;

public sealed record SettingsFrame(IReadOnlyList<SpdySetting> Settings) : SpdyFrame;

public sealed record PingFrame(uint Id) : SpdyFrame;

public sealed record GoAwayFrame(uint LastGoodStreamId, uint Status) : SpdyFrame;

public sealed record HeadersFrame(uint StreamId, bool Fin, IReadOnlyList<KeyValuePair<string, string>> Headers) : SpdyFrame;

public sealed record WindowUpdateFrame(uint StreamId, uint DeltaWindowSize) : SpdyFrame;

/// <summary>A control frame of a type SPDY/3.1 does not define (e.g. the obsolete CREDENTIAL); receivers ignore it.</summary>
public sealed record UnknownControlFrame(ushort Type) : SpdyFrame;

public readonly record struct SpdySetting(byte Flags, uint Id, uint Value);

/// <summary>RST_STREAM status codes (SPDY/3 section 2.4.2).</summary>
public enum RstStatus : uint
{
    ProtocolError = 1,
    InvalidStream = 2,
    RefusedStream = 3,
    UnsupportedVersion = 4,
    Cancel = 5,
    InternalError = 6,
    FlowControlError = 7,
    StreamInUse = 8,
    StreamAlreadyClosed = 9,
    FrameTooLarge = 11,
}
