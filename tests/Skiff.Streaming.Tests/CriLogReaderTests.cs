using System.Text;
using Skiff.Streaming.Logs;

namespace Skiff.Streaming.Tests;

public sealed class CriLogReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("skiff-logs-").FullName;
    private readonly CriLogReader _reader = new(TimeProvider.System, TimeSpan.FromMilliseconds(20));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(params string[] lines)
    {
        var path = Path.Combine(_dir, "0.log");
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
        return path;
    }

    private async Task<string> ReadAsync(string path, LogOptions options, Func<CancellationToken, ValueTask<bool>>? running = null)
    {
        using var output = new MemoryStream();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _reader.CopyAsync(path, options, output, running ?? (_ => ValueTask.FromResult(false)), cts.Token);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Fact]
    public void ParsesTheCriLineFormatWithNanosecondsAndTrimmedFractions()
    {
        Assert.True(CriLogLine.TryParse("2026-11-27T12:39:27.376410213Z stdout F stdout line 0"u8.ToArray(), out var line));
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 12, 39, 27, TimeSpan.Zero).AddTicks(3764102), line.Time);
        Assert.Equal(("2026-11-27T12:39:27.376410213Z", false, false, "stdout line 0"), (line.TimeText, line.IsStderr, line.Partial, Encoding.UTF8.GetString(line.Message.Span)));

        Assert.True(CriLogLine.TryParse("2026-11-27T12:39:29.38433507Z stderr P "u8.ToArray(), out var partial));
        Assert.Equal((true, true, 0), (partial.IsStderr, partial.Partial, partial.Message.Length));
        Assert.True(CriLogLine.TryParse("2026-11-27T13:39:29+01:00 stdout F x"u8.ToArray(), out var offset));
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 12, 39, 29, TimeSpan.Zero), offset.Time.ToUniversalTime());

        Assert.False(CriLogLine.TryParse("garbage"u8.ToArray(), out _));
        Assert.False(CriLogLine.TryParse("2026-11-27T12:39:27Z stdin F x"u8.ToArray(), out _));
        Assert.False(CriLogLine.TryParse("2026-11-27T12:39:27Z stdout X x"u8.ToArray(), out _));
        Assert.False(CriLogLine.TryParse("2026-13-27T12:39:27Z stdout F x"u8.ToArray(), out _));
    }

    [Fact]
    public async Task JoinsPartialPiecesPerStreamAndKeepsTheFirstTimestamp()
    {
        var path = Write(
            "2026-11-27T12:00:00.1Z stdout P hel",
            "2026-11-27T12:00:00.2Z stderr F oops",
            "2026-11-27T12:00:00.3Z stdout P lo ",
            "2026-11-27T12:00:00.4Z stdout F world",
            "not a cri line",
            "2026-11-27T12:00:00.5Z stdout F ");

        Assert.Equal("oops\nhello world\n\n", await ReadAsync(path, new LogOptions()));
        Assert.Equal("2026-11-27T12:00:00.2Z oops\n2026-11-27T12:00:00.1Z hello world\n2026-11-27T12:00:00.5Z \n", await ReadAsync(path, new LogOptions(Timestamps: true)));
    }

    [Fact]
    public async Task ALineOver16KiBIsReassembledFromContainerdsPieces()
    {
        var text = new string('x', 16384) + new string('y', 16384) + "tail";
        var path = Write(
            "2026-11-27T12:00:00.1Z stdout P " + text[..16384],
            "2026-11-27T12:00:00.1Z stdout P " + text[16384..32768],
            "2026-11-27T12:00:00.1Z stdout F " + text[32768..]);
        Assert.Equal(text + "\n", await ReadAsync(path, new LogOptions()));
    }

    [Fact]
    public async Task TailSinceAndLimitBytes()
    {
        var path = Write(Enumerable.Range(0, 10).Select(i => $"2026-11-27T12:00:0{i}Z stdout F line {i}").ToArray());

        Assert.Equal("line 8\nline 9\n", await ReadAsync(path, new LogOptions(TailLines: 2)));
        Assert.Equal(string.Empty, await ReadAsync(path, new LogOptions(TailLines: 0)));
        Assert.Equal("line 7\nline 8\nline 9\n", await ReadAsync(path, new LogOptions(Since: new DateTimeOffset(2026, 11, 27, 12, 0, 7, TimeSpan.Zero))));
        Assert.Equal("line 9\n", await ReadAsync(path, new LogOptions(TailLines: 1, Since: new DateTimeOffset(2026, 11, 27, 12, 0, 7, TimeSpan.Zero))));
        Assert.Equal("line 0\nli", await ReadAsync(path, new LogOptions(LimitBytes: 9)));
        Assert.Equal("2026-11-27T12:00:09Z line 9\n", await ReadAsync(path, new LogOptions(TailLines: 1, Timestamps: true)));
    }

    [Fact]
    public async Task FollowStreamsLinesAsTheyAreWrittenAndEndsWhenTheContainerStops()
    {
        var path = Write("2026-11-27T12:00:00Z stdout F first");
        var running = true;
        var output = new NotifyingStream();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var copy = _reader.CopyAsync(path, new LogOptions(Follow: true), output, _ => ValueTask.FromResult(Volatile.Read(ref running)), cts.Token);

        await output.WaitForAsync("first\n", cts.Token);
        await using (var writer = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            // Half a line first: it must not come out until its newline is written.
            await writer.WriteAsync("2026-11-27T12:00:01Z stdout F sec"u8.ToArray(), cts.Token);
            await writer.FlushAsync(cts.Token);
            await Task.Delay(100, cts.Token);
            Assert.Equal("first\n", output.Text);
            await writer.WriteAsync("ond\n"u8.ToArray(), cts.Token);
        }

        await output.WaitForAsync("first\nsecond\n", cts.Token);

        // Rotation: the file is renamed away and a new one appears at the same path.
        File.Move(path, path + ".20261127-120002");
        await File.WriteAllTextAsync(path, "2026-11-27T12:00:02Z stdout F third\n", cts.Token);
        await output.WaitForAsync("first\nsecond\nthird\n", cts.Token);

        await File.AppendAllTextAsync(path, "2026-11-27T12:00:03Z stderr F last words\n", cts.Token);
        Volatile.Write(ref running, false);
        await copy;
        Assert.Equal("first\nsecond\nthird\nlast words\n", output.Text);
    }

    [Fact]
    public async Task FollowStopsWhenTheClientGoesAway()
    {
        var path = Write("2026-11-27T12:00:00Z stdout F only");
        var output = new NotifyingStream();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var copy = _reader.CopyAsync(path, new LogOptions(Follow: true), output, _ => ValueTask.FromResult(true), cts.Token);
        await output.WaitForAsync("only\n", cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copy);
    }

    /// <summary>A memory stream whose text can be awaited.</summary>
    private sealed class NotifyingStream : MemoryStream
    {
        private readonly SemaphoreSlim _changed = new(0);

        public string Text
        {
            get
            {
                lock (this)
                {
                    return Encoding.UTF8.GetString(ToArray());
                }
            }
        }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            await WriteAsync(buffer.AsMemory(offset, count), cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            lock (this)
            {
                Write(buffer.Span);
            }

            _changed.Release();
            return ValueTask.CompletedTask;
        }

        public async Task WaitForAsync(string text, CancellationToken cancellationToken)
        {
            while (Text != text)
            {
                Assert.StartsWith(Text, text, StringComparison.Ordinal);
                await _changed.WaitAsync(cancellationToken);
            }
        }
    }
}
