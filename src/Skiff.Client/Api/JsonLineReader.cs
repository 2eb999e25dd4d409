namespace Skiff.Client.Api;

/// <summary>Splits a stream into newline-terminated lines as bytes (a watch stream's events), without decoding them
/// to strings. A line returned is valid until the next read.</summary>
internal sealed class JsonLineReader
{
    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _ended;

    public JsonLineReader(Stream stream, int initialSize = 64 * 1024)
    {
        _stream = stream;
        _buffer = new byte[initialSize];
    }

    /// <summary>The next line without its newline (possibly empty), or null at the end of the stream.</summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var searched = 0;
        while (true)
        {
            var newline = _buffer.AsSpan(_start + searched, _end - _start - searched).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = new ReadOnlyMemory<byte>(_buffer, _start, searched + newline);
                _start += searched + newline + 1;
                return TrimCarriageReturn(line);
            }

            searched = _end - _start;
            if (_ended)
            {
                if (_end == _start)
                {
                    return null;
                }

                var last = new ReadOnlyMemory<byte>(_buffer, _start, _end - _start);
                _start = _end;
                return TrimCarriageReturn(last);
            }

            MakeRoom();
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                _ended = true;
            }

            _end += read;
        }
    }

    private static ReadOnlyMemory<byte> TrimCarriageReturn(ReadOnlyMemory<byte> line) =>
        line.Length > 0 && line.Span[^1] == (byte)'\r' ? line[..^1] : line;

    // Moves the unread bytes to the front, and doubles the buffer when they fill it (a line longer than the buffer).
    private void MakeRoom()
    {
        var pending = _end - _start;
        if (pending == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        else if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
        }

        _start = 0;
        _end = pending;
    }
}
