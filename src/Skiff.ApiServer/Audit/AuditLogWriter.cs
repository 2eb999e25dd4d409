using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Skiff.ApiServer.Audit;

/// <summary>
/// The log backend: events are queued in a bounded channel and written as JSON lines by one background writer (as
/// upstream's buffered backend), so a request never waits for the disk; when the queue is full an event is dropped and
/// counted. The file is rotated as lumberjack does for kube-apiserver: past the size limit it is renamed
/// <c>audit-2006-01-02T15-04-05.000.log</c> (UTC) and a new one started; backups beyond the count or age are removed.
/// </summary>
public sealed class AuditLogWriter : IAsyncDisposable
{
    private const long Megabyte = 1024 * 1024;
    private readonly Channel<byte[]> _queue;
    private readonly AuditOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Task _loop;
    private long _dropped;
    private long _written;
    private Stream? _file;
    private long _size;

    public AuditLogWriter(AuditOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(Math.Max(1, options.BufferSize))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: full means refused, which is counted
        });
        if (options.LogPath != "-")
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(options.LogPath));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        _loop = Task.Run(WriteLoopAsync);
    }

    /// <summary>Events dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Event lines written so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    private long MaxSize => (_options.MaxSizeMegabytes > 0 ? _options.MaxSizeMegabytes : 100) * Megabyte;

    public void Enqueue(byte[] line)
    {
        if (!_queue.Writer.TryWrite(line))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Writes what is queued, then closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync())
            {
                var lines = 0;
                while (_queue.Reader.TryRead(out var line))
                {
                    await WriteAsync(line);
                    lines++;
                }

                if (_file is not null)
                {
                    await _file.FlushAsync();
                }

                Interlocked.Add(ref _written, lines);
            }
        }
        catch (IOException e)
        {
            _logger.LogError(e, "the audit log {Path} cannot be written", _options.LogPath);
        }
        finally
        {
            if (_file is not null && _options.LogPath != "-")
            {
                await _file.DisposeAsync();
            }
        }
    }

    private async Task WriteAsync(byte[] line)
    {
        if (_options.LogPath == "-")
        {
            _file ??= Console.OpenStandardOutput();
            await _file.WriteAsync(line);
            return;
        }

        if (_file is null)
        {
            Open();
        }
        else if (_size + line.Length > MaxSize)
        {
            await RotateAsync();
        }

        await _file!.WriteAsync(line);
        _size += line.Length;
    }

    private void Open()
    {
        _file = new FileStream(_options.LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
        _size = _file.Length;
    }

    private async Task RotateAsync()
    {
        await _file!.DisposeAsync();
        var path = Path.GetFullPath(_options.LogPath);
        var (prefix, extension) = BackupNameParts(path);
        var stamp = _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH-mm-ss.fff", CultureInfo.InvariantCulture);
        File.Move(path, prefix + stamp + extension, overwrite: true);
        Open();
        RemoveOldBackups(prefix, extension);
    }

    /// <summary>Removes backups beyond <c>--audit-log-maxbackup</c> (newest kept) and older than <c>--audit-log-maxage</c> days.</summary>
    private void RemoveOldBackups(string prefix, string extension)
    {
        if (_options.MaxBackups <= 0 && _options.MaxAgeDays <= 0)
        {
            return;
        }

        var directory = Path.GetDirectoryName(prefix)!;
        var backups = Directory.EnumerateFiles(directory, Path.GetFileName(prefix) + "*" + extension)
            .Select(file => (File: file, Time: BackupTime(file, prefix, extension)))
            .Where(b => b.Time is not null)
            .OrderByDescending(b => b.Time)
            .ToList();
        var cutoff = _time.GetUtcNow().UtcDateTime.AddDays(-_options.MaxAgeDays);
        for (var i = 0; i < backups.Count; i++)
        {
            if ((_options.MaxBackups > 0 && i >= _options.MaxBackups) || (_options.MaxAgeDays > 0 && backups[i].Time < cutoff))
            {
                File.Delete(backups[i].File);
            }
        }
    }

    /// <summary><c>/var/log/audit.log</c> → (<c>/var/log/audit-</c>, <c>.log</c>).</summary>
    public static (string Prefix, string Extension) BackupNameParts(string path)
    {
        var extension = Path.GetExtension(path);
        return (Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path) + "-"), extension);
    }

    private static DateTime? BackupTime(string file, string prefix, string extension)
    {
        var name = Path.GetFileName(file);
        var start = Path.GetFileName(prefix).Length;
        if (name.Length <= start + extension.Length)
        {
            return null;
        }

        var stamp = name[start..^extension.Length];
        return DateTime.TryParseExact(stamp, "yyyy-MM-dd'T'HH-mm-ss.fff", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }
}
