using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Skiff.Storage.Watching;

namespace Skiff.Storage.Sqlite;

/// <summary>
/// The only connection that writes. One loop takes every queued write, applies as many as are waiting (up to
/// <see cref="SqliteStoreOptions.MaxWritesPerCommit"/>) in one transaction, commits (an fsync of the WAL with
/// <c>synchronous = FULL</c>), then publishes the events to watchers and acknowledges each caller: group commit, so
/// concurrent writers share one fsync and no caller is acknowledged before its write is on disk.
/// </summary>
/// <remarks>The loop runs on its own thread: it blocks in fsync by design, and must not wait for (or starve) the
/// thread pool that runs the callers.</remarks>
internal sealed partial class SqliteWriter : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteStoreOptions _options;
    private readonly WatchBroadcaster _broadcaster;
    private readonly BlockingCollection<WriteRequest> _queue = new(new ConcurrentQueue<WriteRequest>());
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SqliteCommand _selectLatest;
    private readonly SqliteCommand _insert;
    private long _revision;
    private long _compacted;

    public SqliteWriter(SqliteConnection connection, SqliteStoreOptions options, WatchBroadcaster broadcaster, long revision, long compacted)
    {
        _connection = connection;
        _options = options;
        _broadcaster = broadcaster;
        _revision = revision;
        _compacted = compacted;
        _selectLatest = connection.CreateCommand();
        _selectLatest.CommandText = "SELECT revision, create_revision, value, deleted FROM log WHERE key = $key ORDER BY revision DESC LIMIT 1;";
        _selectLatest.Parameters.Add("$key", SqliteType.Text);
        _insert = connection.CreateCommand();
        _insert.CommandText = """
            INSERT INTO log (revision, key, value, create_revision, prev_revision, deleted)
            VALUES ($revision, $key, $value, $create, $prev, $deleted);
            """;
        _insert.Parameters.Add("$revision", SqliteType.Integer);
        _insert.Parameters.Add("$key", SqliteType.Text);
        _insert.Parameters.Add("$value", SqliteType.Blob);
        _insert.Parameters.Add("$create", SqliteType.Integer);
        _insert.Parameters.Add("$prev", SqliteType.Integer);
        _insert.Parameters.Add("$deleted", SqliteType.Integer);
        new Thread(Run) { IsBackground = true, Name = "skiff-sqlite-writer" }.Start();
    }

    /// <summary>The revision of the last committed write.</summary>
    public long Revision => Volatile.Read(ref _revision);

    /// <summary>The compacted revision as committed.</summary>
    public long CompactedRevision => Volatile.Read(ref _compacted);

    /// <summary>Queues a write and completes when it is committed (or refused).</summary>
    public Task<KeyValue?> SubmitAsync(WriteRequest request)
    {
        try
        {
            _queue.Add(request);
        }
        catch (InvalidOperationException)
        {
            throw StorageErrors.Closed(); // adding was completed: the store is closing
        }

        return request.Completion.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.CompleteAdding();
        await _stopped.Task;
        _selectLatest.Dispose();
        _insert.Dispose();
        _queue.Dispose();
    }

    private void Run()
    {
        var batch = new List<WriteRequest>(_options.MaxWritesPerCommit);
        try
        {
            // Take blocks until a write arrives; then everything already queued joins the same transaction.
            foreach (var first in _queue.GetConsumingEnumerable())
            {
                var next = first;
                while (true)
                {
                    if (next.Kind == WriteKind.Compact)
                    {
                        CommitBatch(batch);
                        Compact(next);
                    }
                    else
                    {
                        batch.Add(next);
                    }

                    if (batch.Count >= _options.MaxWritesPerCommit || !_queue.TryTake(out next!))
                    {
                        break;
                    }
                }

                CommitBatch(batch);
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    /// <summary>Applies and commits <paramref name="batch"/>, acknowledges every request in it, and empties it.</summary>
    private void CommitBatch(List<WriteRequest> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            CommitBatchCore(batch);
        }
        finally
        {
            batch.Clear();
        }
    }

    private void CommitBatchCore(List<WriteRequest> batch)
    {
        var results = new KeyValue?[batch.Count];
        var errors = new Exception?[batch.Count];
        var events = new List<WatchEvent>(batch.Count);
        var revision = _revision;
        try
        {
            using var transaction = _connection.BeginTransaction();
            _selectLatest.Transaction = transaction;
            _insert.Transaction = transaction;
            for (var i = 0; i < batch.Count; i++)
            {
                try
                {
                    results[i] = Apply(batch[i], revision + 1, events);
                    revision++;
                }
                catch (Exception e) when (e is StorageException or OperationCanceledException)
                {
                    errors[i] = e;
                }
            }

            transaction.Commit();
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException)
        {
            var failure = new StorageException(StorageErrorCode.Unavailable, string.Empty, $"the write could not be committed: {e.Message}", null, e);
            foreach (var request in batch)
            {
                request.Completion.TrySetException(failure);
            }

            return;
        }

        Volatile.Write(ref _revision, revision);
        _broadcaster.Publish(events);
        for (var i = 0; i < batch.Count; i++)
        {
            if (errors[i] is { } error)
            {
                batch[i].Completion.TrySetException(error);
            }
            else
            {
                batch[i].Completion.TrySetResult(results[i]);
            }
        }
    }

    /// <summary>Checks one write against the key's latest row and appends its row; throws when it is refused.</summary>
    private KeyValue Apply(WriteRequest request, long revision, List<WatchEvent> events)
    {
        request.CancellationToken.ThrowIfCancellationRequested();
        var key = request.Key;
        var latest = ReadLatest(key);
        LatestVersion? live = latest is { Deleted: false } ? latest : null;
        switch (request.Kind)
        {
            case WriteKind.Create:
                if (live is { } existing)
                {
                    throw StorageErrors.KeyExists(key, existing.ToKeyValue(key));
                }

                Insert(revision, key, request.Value, revision, 0, deleted: false);
                events.Add(new WatchEvent(WatchEventType.Put, key, request.Value, null, revision, revision));
                return new KeyValue(key, request.Value, revision, revision);

            case WriteKind.Update:
                var current = live ?? throw StorageErrors.NotFound(key);
                if (current.Revision != request.Revision)
                {
                    throw StorageErrors.Conflict(key, request.Revision ?? 0, current.ToKeyValue(key));
                }

                Insert(revision, key, request.Value, current.CreateRevision, current.Revision, deleted: false);
                events.Add(new WatchEvent(WatchEventType.Put, key, request.Value, current.Value, revision, current.CreateRevision));
                return new KeyValue(key, request.Value, current.CreateRevision, revision);

            default:
                var deleted = live ?? throw StorageErrors.NotFound(key);
                if (request.Revision is { } expected && deleted.Revision != expected)
                {
                    throw StorageErrors.Conflict(key, expected, deleted.ToKeyValue(key));
                }

                Insert(revision, key, [], deleted.CreateRevision, deleted.Revision, deleted: true);
                events.Add(new WatchEvent(WatchEventType.Delete, key, ReadOnlyMemory<byte>.Empty, deleted.Value, revision, deleted.CreateRevision));
                return new KeyValue(key, deleted.Value, deleted.CreateRevision, revision);
        }
    }

    private LatestVersion? ReadLatest(string key)
    {
        _selectLatest.Parameters["$key"].Value = key;
        using var reader = _selectLatest.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        return new LatestVersion(reader.GetInt64(0), reader.GetInt64(1), SqliteValues.Blob(reader, 2), reader.GetInt64(3) != 0);
    }

    private void Insert(long revision, string key, byte[] value, long createRevision, long prevRevision, bool deleted)
    {
        _insert.Parameters["$revision"].Value = revision;
        _insert.Parameters["$key"].Value = key;
        _insert.Parameters["$value"].Value = value;
        _insert.Parameters["$create"].Value = createRevision;
        _insert.Parameters["$prev"].Value = prevRevision;
        _insert.Parameters["$deleted"].Value = deleted ? 1 : 0;
        _insert.ExecuteNonQuery();
    }
}
