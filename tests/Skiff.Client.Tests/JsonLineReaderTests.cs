using System.Text;
using Skiff.Client.Api;

namespace Skiff.Client.Tests;

/// <summary>A watch stream split into lines as bytes, whatever the chunks the network delivers.</summary>
public sealed class JsonLineReaderTests
{
    [Fact]
    public async Task Splits_lines_across_chunk_boundaries_and_grows_for_long_lines()
    {
        var longLine = new string('x', 300);
        var text = "{\"a\":1}\n\r\n" + longLine + "\n{\"b\":2}\r\nlast-without-newline";
        var reader = new JsonLineReader(new TrickleStream(Encoding.UTF8.GetBytes(text), chunk: 7), initialSize: 16);

        var lines = new List<string>();
        while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
        {
            lines.Add(Encoding.UTF8.GetString(line.Span));
        }

        Assert.Equal(["{\"a\":1}", string.Empty, longLine, "{\"b\":2}", "last-without-newline"], lines);
    }

    [Fact]
    public async Task An_empty_stream_has_no_lines()
    {
        var reader = new JsonLineReader(new MemoryStream([]));

        Assert.Null(await reader.ReadLineAsync(CancellationToken.None));
    }

    /// <summary>Hands out at most <c>chunk</c> bytes per read, as a network stream may.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);
    }
}
