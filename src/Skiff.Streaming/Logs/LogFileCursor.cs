namespace Skiff.Streaming.Logs;

/// <summary>
/// Reads a log file that may still be growing, line by line. A line without its newline yet stays in the buffer
/// until the rest arrives, so a writer caught mid-line never produces a torn line.
/// </summary>
internal sealed class LogFileCursor : IDisposable
{
    private const int FirstBytesLength = 64;
    private readonly FileStream _file;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private LogFileCursor(FileStream file, byte[] firstBytes)
    {
        _file = file;
        FirstBytes = firstBytes;
    }

    /// <summary>The file's first bytes when it was opened (a timestamp with nanoseconds: unique enough to tell files apart).</summary>
    public byte[] FirstBytes { get; private set; }

    /// <summary>Bytes handed out as lines so far.</summary>
    public long Consumed { get; private set; }

    public static LogFileCursor Open(string path)
    {
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.Asynchronous,
        });
        return new LogFileCursor(file, ReadFirstBytes(path));
    }

    /// <summary>Reads what the file has now; false when nothing new was there.</summary>
    public async Task<bool> ReadMoreAsync(CancellationToken cancellationToken)
    {
        if (_start > 0 && _start == _end)
        {
            _start = _end = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
        }

        var read = await _file.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += read;
        return read > 0;
    }

    /// <summary>Takes the next complete line (without its newline) from what was read so far.</summary>
    public bool TryTakeLine(out ReadOnlyMemory<byte> line)
    {
        var index = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
        if (index < 0)
        {
            line = default;
            return false;
        }

        line = _buffer.AsSpan(_start, index).ToArray();
        _start += index + 1;
        Consumed += index + 1;
        return true;
    }

    /// <summary>
    /// True when the path now names another file than the one open here (rotated away and recreated) or the file was
    /// truncated: then reading must continue from the start of the file at <paramref name="path"/>.
    /// </summary>
    public bool IsReplaced(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return false;
            }

            if (info.Length < _file.Position)
            {
                return true;
            }

            var first = ReadFirstBytes(path);
            var compared = Math.Min(first.Length, FirstBytes.Length);
            if (compared > 0 && !first.AsSpan(0, compared).SequenceEqual(FirstBytes.AsSpan(0, compared)))
            {
                return true;
            }

            if (first.Length > FirstBytes.Length)
            {
                // Same file, grown since it was opened: remember more of its start for the next comparison.
                FirstBytes = first;
            }

            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static byte[] ReadFirstBytes(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var buffer = new byte[FirstBytesLength];
            var n = file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            return buffer[..n];
        }
        catch (FileNotFoundException)
        {
            return [];
        }
    }

    public void Dispose() => _file.Dispose();
}
