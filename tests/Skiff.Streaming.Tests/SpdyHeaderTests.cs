using Skiff.Streaming.Spdy;

namespace Skiff.Streaming.Tests;

public class SpdyHeaderTests
{
    // Two SYN_STREAMs as kubectl's port-forward sends them, compressed by an independent zlib (Python's, level 9,
    // zdict = the SPDY/3 dictionary) on one shared stream: the second block only inflates with the first's history.
    private const string RecordedErrorSyn = "800300010000003d0000000100000000000078f9e3c6a7c202253a703a2b294a4dcc851625aca9a0808614cb45e01c6061606100a4398b20d198094ade8c0600000000ffff";
    private const string RecordedDataSyn = "800300010000001800000003000000000000c2aa19540e2512d60b000000ffff";

    [Fact]
    public void DictionaryIsTheSpdy3DictionaryByLengthAndChecksum()
    {
        var bytes = SpdyDictionary.Bytes;
        Assert.Equal(1423, bytes.Length);
        uint a = 1, b = 0;
        foreach (var x in bytes)
        {
            a = (a + x) % 65521;
            b = (b + a) % 65521;
        }

        // The dictionary id that zlib streams built with it carry in their header (bytes 2..5 of the recorded block).
        Assert.Equal(0xe3c6a7c2u, (b << 16) | a);
    }

    [Fact]
    public async Task DecodesRecordedSynStreamsThatShareOneZlibStream()
    {
        using var codec = new HeaderBlockCodec();
        var framer = new SpdyFramer(codec);
        var wire = new MemoryStream([.. Convert.FromHexString(RecordedErrorSyn), .. Convert.FromHexString(RecordedDataSyn)]);

        var first = Assert.IsType<SynStreamFrame>(await framer.ReadAsync(wire, CancellationToken.None));
        var second = Assert.IsType<SynStreamFrame>(await framer.ReadAsync(wire, CancellationToken.None));

        Assert.Equal(1u, first.StreamId);
        Assert.Equal([new("streamtype", "error"), new("port", "8080"), new("requestid", "0")], first.Headers);
        Assert.Equal(3u, second.StreamId);
        Assert.Equal([new("streamtype", "data"), new("port", "8080"), new("requestid", "0")], second.Headers);
        Assert.Null(await framer.ReadAsync(wire, CancellationToken.None));
    }

    [Fact]
    public void EncodedBlocksStartWithTheDictionaryIdAndRoundTripAcrossManyBlocks()
    {
        using var sender = new HeaderBlockCodec();
        using var receiver = new HeaderBlockCodec();
        for (var i = 0; i < 50; i++)
        {
            IReadOnlyList<KeyValuePair<string, string>> headers = [new("streamType", i % 2 == 0 ? "error" : "data"), new("port", "80"), new("requestID", i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
            var block = sender.Encode(headers);
            if (i == 0)
            {
                Assert.Equal("78F9E3C6A7C2", Convert.ToHexString(block, 0, 6));
            }

            Assert.Equal(headers.Select(h => new KeyValuePair<string, string>(h.Key.ToLowerInvariant(), h.Value)), receiver.Decode(block));
        }
    }

    [Fact]
    public void RepeatedNamesTravelAsOneNulSeparatedValue()
    {
        var block = HeaderBlockCodec.Serialize([new("a", "1"), new("a", "2"), new("B", "3")]);
        Assert.Equal("00000002" + "00000001" + "61" + "00000003" + "310032" + "00000001" + "62" + "00000001" + "33", Convert.ToHexString(block).ToLowerInvariant());
        Assert.Equal([new("a", "1"), new("a", "2"), new("b", "3")], HeaderBlockCodec.Parse(block));
    }

    [Fact]
    public void GarbageDoesNotInflate()
    {
        using var codec = new HeaderBlockCodec();
        Assert.Throws<SpdyProtocolException>(() => codec.Decode([0x78, 0xf9, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff]));
    }

    [Fact]
    public void TruncatedBlocksAreRejected()
    {
        Assert.Throws<SpdyProtocolException>(() => HeaderBlockCodec.Parse([0, 0, 0, 1, 0, 0, 0, 9, 0x61]));
    }
}
