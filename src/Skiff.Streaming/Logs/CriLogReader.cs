using System.Text;

namespace Skiff.Streaming.Logs;

/// <summary>
/// Serves a container's CRI log file the way <c>kubectl logs</c> expects: whole lines (partial <c>P</c> pieces are
/// joined with their <c>F</c> end), optionally the last N lines only, only lines since a time, with timestamps, cut at
/// a byte limit, and with follow: new lines are streamed as they are written (also across a log rotation that
/// replaces the file) until the container stops.
/// </summary>
public sealed class CriLogReader
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _pollInterval;

    public CriLogReader(TimeProvider time, TimeSpan pollInterval)
    {
        _time = time;
        _pollInterval = pollInterval;
    }

    /// <summary>
    /// Copies <paramref name="path"/> to <paramref name="output"/> (flushed after every batch of lines). With follow it
    /// returns once <paramref name="isRunning"/> says the container stopped and everything it wrote was sent, when
    /// the byte limit is reached, or when <paramref name="cancellationToken"/> fires (the client went away).
    /// </summary>
    public async Task CopyAsync(string path, LogOptions options, Stream output, Func<CancellationToken, ValueTask<bool>> isRunning, CancellationToken cancellationToken)
    {
        var writer = new LimitedWriter(output, options.LimitBytes);
        var assembler = new LineAssembler();
        var cursor = LogFileCursor.Open(path);
        try
        {
            if (options.TailLines is { } tail)
            {
                var last = new Queue<LogEntry>();
                while (await cursor.ReadMoreAsync(cancellationToken))
                {
                    while (cursor.TryTakeLine(out var line))
                    {
                        if (assembler.Add(line) is { } entry && tail > 0)
                        {
                            if (last.Count == tail)
                            {
                                last.Dequeue();
                            }

                            last.Enqueue(entry);
                        }
                    }
                }

                foreach (var entry in last)
                {
                    if (!await EmitAsync(entry, options, writer, cancellationToken))
                    {
                        return;
                    }
                }
            }

            while (true)
            {
                var any = false;
                while (await cursor.ReadMoreAsync(cancellationToken))
                {
                    any = true;
                    while (cursor.TryTakeLine(out var line))
                    {
                        if (assembler.Add(line) is { } entry && !await EmitAsync(entry, options, writer, cancellationToken))
                        {
                            return;
                        }
                    }
                }

                await output.FlushAsync(cancellationToken);
                if (!options.Follow)
                {
                    return;
                }

                if (any)
                {
                    continue;
                }

                if (cursor.IsReplaced(path))
                {
                    cursor.Dispose();
                    cursor = LogFileCursor.Open(path);
                    continue;
                }

                if (!await isRunning(cancellationToken))
                {
                    // One last look: lines written just before the container stopped.
                    var more = false;
                    while (await cursor.ReadMoreAsync(cancellationToken))
                    {
                        more = true;
                    }

                    if (!more)
                    {
                        return;
                    }

                    continue;
                }

                await Task.Delay(_pollInterval, _time, cancellationToken);
            }
        }
        finally
        {
            cursor.Dispose();
        }
    }

    private static async Task<bool> EmitAsync(LogEntry entry, LogOptions options, LimitedWriter writer, CancellationToken cancellationToken)
    {
        if (options.Since is { } since && entry.Time < since)
        {
            return true;
        }

        if (options.Timestamps && !await writer.WriteAsync(Encoding.ASCII.GetBytes(entry.TimeText + " "), cancellationToken))
        {
            return false;
        }

        return await writer.WriteAsync(entry.Content, cancellationToken);
    }

    /// <summary>A whole log line: the time of its first piece and its bytes with the newline.</summary>
    private sealed record LogEntry(DateTimeOffset Time, string TimeText, byte[] Content);

    /// <summary>Joins <c>P</c> pieces per stream (stdout and stderr interleave independently) until the <c>F</c> piece.</summary>
    private sealed class LineAssembler
    {
        private readonly MemoryStream?[] _partial = new MemoryStream?[2];
        private readonly (DateTimeOffset Time, string Text)[] _partialTime = new (DateTimeOffset, string)[2];

        public LogEntry? Add(ReadOnlyMemory<byte> line)
        {
            if (!CriLogLine.TryParse(line, out var parsed))
            {
                return null;
            }

            var index = parsed.IsStderr ? 1 : 0;
            var pending = _partial[index];
            if (parsed.Partial)
            {
                if (pending is null)
                {
                    pending = _partial[index] = new MemoryStream();
                    _partialTime[index] = (parsed.Time, parsed.TimeText);
                }

                pending.Write(parsed.Message.Span);
                return null;
            }

            var (time, text) = pending is null ? (parsed.Time, parsed.TimeText) : _partialTime[index];
            var content = new byte[(pending?.Length ?? 0) + parsed.Message.Length + 1];
            var offset = 0;
            if (pending is not null)
            {
                pending.GetBuffer().AsSpan(0, (int)pending.Length).CopyTo(content);
                offset = (int)pending.Length;
                pending.Dispose();
                _partial[index] = null;
            }

            parsed.Message.Span.CopyTo(content.AsSpan(offset));
            content[^1] = (byte)'\n';
            return new LogEntry(time, text, content);
        }
    }

    /// <summary>Writes until <c>limitBytes</c> is used up; the write that crosses the limit is cut.</summary>
    private sealed class LimitedWriter(Stream output, long? limit)
    {
        private long _written;

        public async Task<bool> WriteAsync(byte[] data, CancellationToken cancellationToken)
        {
            var allowed = limit is { } l ? Math.Min(data.Length, l - _written) : data.Length;
            if (allowed > 0)
            {
                await output.WriteAsync(data.AsMemory(0, (int)allowed), cancellationToken);
                _written += allowed;
            }

            return limit is not { } max || _written < max;
        }
    }
}
