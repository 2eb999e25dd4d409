using Skiff.Streaming.Spdy;

namespace Skiff.Streaming.Tests;

public class SpdyFramerTests
{
    [Theory]
    [InlineData("80030006000000040000002a", "ping")]
    [InlineData("80030003000000080000000500000005", "rst")]
    [InlineData("80030007000000080000000300000000", "goaway")]
    [InlineData("8003000900000008000000050000ffff", "window")]
    [InlineData("800300040000000c0000000101000007000186a0", "settings")]
    [InlineData("0000000501000003616263", "data")]
    public async Task ControlAndDataFramesHaveTheirWireShape(string hex, string kind)
    {
        using var codec = new HeaderBlockCodec();
        var framer = new SpdyFramer(codec);
        SpdyFrame frame = kind switch
        {
            "ping" => new PingFrame(42),
            "rst" => new RstStreamFrame(5, RstStatus.Cancel),
            "goaway" => new GoAwayFrame(3, 0),
            "window" => new WindowUpdateFrame(5, 0xffff),
            "settings" => new SettingsFrame([new SpdySetting(1, 7, 100000)]),
            _ => new DataFrame(5, true, "abc"u8.ToArray()),
        };

        Assert.Equal(hex, Convert.ToHexString(framer.Encode(frame)).ToLowerInvariant());
        var decoded = await framer.ReadAsync(new MemoryStream(Convert.FromHexString(hex)), CancellationToken.None);
        if (decoded is DataFrame data)
        {
            Assert.Equal((5u, true, "abc"), (data.StreamId, data.Fin, System.Text.Encoding.ASCII.GetString(data.Data.Span)));
        }
        else if (decoded is SettingsFrame settings)
        {
            Assert.Equal([new SpdySetting(1, 7, 100000)], settings.Settings);
        }
        else
        {
            Assert.Equal(frame, decoded);
        }
    }

    [Fact]
    public async Task HeaderFramesRoundTripThroughTwoCodecs()
    {
        using var a = new HeaderBlockCodec();
        using var b = new HeaderBlockCodec();
        var writer = new SpdyFramer(a);
        var reader = new SpdyFramer(b);
        var wire = new MemoryStream();
        await wire.WriteAsync(writer.Encode(new SynStreamFrame(1, 0, 2, false, true, [new("streamtype", "stdin")])));
        await wire.WriteAsync(writer.Encode(new SynReplyFrame(2, true, [])));
        await wire.WriteAsync(writer.Encode(new HeadersFrame(1, false, [new("x", "y")])));
        wire.Position = 0;

        var syn = Assert.IsType<SynStreamFrame>(await reader.ReadAsync(wire, CancellationToken.None));
        Assert.Equal((1u, (byte)2, false, true), (syn.StreamId, syn.Priority, syn.Fin, syn.Unidirectional));
        var reply = Assert.IsType<SynReplyFrame>(await reader.ReadAsync(wire, CancellationToken.None));
        Assert.Equal((2u, true, 0), (reply.StreamId, reply.Fin, reply.Headers.Count));
        var headers = Assert.IsType<HeadersFrame>(await reader.ReadAsync(wire, CancellationToken.None));
        Assert.Equal([new("x", "y")], headers.Headers);
    }

    [Fact]
    public async Task OtherVersionsAndTruncatedFramesAreErrors()
    {
        using var codec = new HeaderBlockCodec();
        var framer = new SpdyFramer(codec);
        await Assert.ThrowsAsync<SpdyProtocolException>(async () => await framer.ReadAsync(new MemoryStream(Convert.FromHexString("80020006000000040000002a")), CancellationToken.None));
        await Assert.ThrowsAsync<EndOfStreamException>(async () => await framer.ReadAsync(new MemoryStream(Convert.FromHexString("8003000600")), CancellationToken.None));
        Assert.IsType<UnknownControlFrame>(await framer.ReadAsync(new MemoryStream(Convert.FromHexString("8003000a00000000")), CancellationToken.None));
    }
}
