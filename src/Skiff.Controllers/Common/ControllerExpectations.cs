namespace Skiff.Controllers.Common;

/// <summary>
/// client-go's (UIDTracking)ControllerExpectations: what a controller has asked the API for and not yet seen in its
/// informer's cache. While creations or deletions are outstanding, a sync must not act on the cache's count (it
/// would create or delete twice). Expectations older than five minutes are considered satisfied, so a lost watch
/// event cannot wedge a controller.
/// </summary>
public sealed class ControllerExpectations
{
    /// <summary>upstream's ExpectationsTimeout.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _time;
    private readonly Dictionary<string, Record> _records = new(StringComparer.Ordinal);

    public ControllerExpectations(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>True when nothing is outstanding for <paramref name="key"/> (or it has waited too long).</summary>
    public bool Satisfied(string key)
    {
        lock (_records)
        {
            if (!_records.TryGetValue(key, out var record))
            {
                return true;
            }

            return (record.Adds <= 0 && record.Deletes.Count == 0) || _time.GetUtcNow() - record.Since > Timeout;
        }
    }

    public void ExpectCreations(string key, int count)
    {
        lock (_records)
        {
            _records[key] = new Record { Adds = count, Since = _time.GetUtcNow() };
        }
    }

    /// <summary>Expects the deletion of these objects (keys <c>ns/name</c>).</summary>
    public void ExpectDeletions(string key, IEnumerable<string> objectKeys)
    {
        lock (_records)
        {
            _records[key] = new Record { Since = _time.GetUtcNow(), Deletes = new HashSet<string>(objectKeys, StringComparer.Ordinal) };
        }
    }

    public void CreationObserved(string key)
    {
        lock (_records)
        {
            if (_records.TryGetValue(key, out var record))
            {
                record.Adds--;
            }
        }
    }

    public void DeletionObserved(string key, string objectKey)
    {
        lock (_records)
        {
            if (_records.TryGetValue(key, out var record))
            {
                record.Deletes.Remove(objectKey);
            }
        }
    }

    public void Delete(string key)
    {
        lock (_records)
        {
            _records.Remove(key);
        }
    }

    private sealed class Record
    {
        public int Adds { get; set; }

        public HashSet<string> Deletes { get; init; } = new(StringComparer.Ordinal);

        public DateTimeOffset Since { get; init; }
    }
}
