using System.Globalization;

namespace Skiff.Images;

/// <summary>
/// A read-only view of a file stream that reports how far it has been read (bytes, percent, MB/s) at most once a
/// second, for imports of large archives.
/// </summary>
internal sealed class ProgressReadStream(Stream inner, long length, string label, IProgress<string> progress, TimeProvider time) : Stream
{
    private readonly long started = time.GetTimestamp();
    private long lastReport = time.GetTimestamp();
    private long read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get => read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Counted(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>The final line: everything read, with the overall rate.</summary>
    public void ReportDone() => progress.Report(Describe());

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Counted(int count)
    {
        read += count;
        if (time.GetElapsedTime(lastReport) >= TimeSpan.FromSeconds(1))
        {
            lastReport = time.GetTimestamp();
            progress.Report(Describe());
        }

        return count;
    }

    private string Describe()
    {
        var seconds = Math.Max(time.GetElapsedTime(started).TotalSeconds, 0.001);
        var megabytes = read / 1_000_000.0;
        var percent = length > 0 ? $" ({(100.0 * read / length).ToString("0", CultureInfo.InvariantCulture)}%)" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{label}: {megabytes:0.0} of {length / 1_000_000.0:0.0} MB read{percent}, {megabytes / seconds:0.0} MB/s");
    }
}
