using Microsoft.Data.Sqlite;

namespace Skiff.Storage.Sqlite;

/// <summary>Compaction runs on the writer loop, so it never contends with writes for SQLite's write lock.</summary>
internal sealed partial class SqliteWriter
{
    // A row is history once a later write to its key at or before the compaction revision replaced it: that later row
    // names it in prev_revision. A delete row at or before the compaction revision is history too, except the newest
    // row of the log, which keeps the current revision readable after a restart.
    private const string DeleteReplacedRows = """
        DELETE FROM log WHERE revision IN (
            SELECT prev_revision FROM log WHERE revision > $low AND revision <= $high AND prev_revision > 0);
        DELETE FROM log WHERE revision > $low AND revision <= $high AND deleted = 1 AND revision < $newest;
        """;

    private void Compact(WriteRequest request)
    {
        var target = request.Revision ?? 0;
        var previous = _compacted;
        try
        {
            if (target > _revision)
            {
                throw StorageErrors.FutureRevision(string.Empty, target, _revision);
            }

            if (target > previous)
            {
                // First publish the new compacted revision, so a reader never sees rows missing below a compacted
                // revision it does not know about; then remove history in bounded transactions.
                using (var transaction = _connection.BeginTransaction())
                using (var command = _connection.CreateCommand())
                {
                    command.Transaction = transaction;
                    command.CommandText = "UPDATE meta SET value = $revision WHERE name = 'compact_revision';";
                    command.Parameters.AddWithValue("$revision", target);
                    command.ExecuteNonQuery();
                    transaction.Commit();
                }

                Volatile.Write(ref _compacted, target);
                for (var low = previous; low < target; low += _options.CompactionRevisionsPerTransaction)
                {
                    DeleteHistory(low, Math.Min(target, low + _options.CompactionRevisionsPerTransaction));
                }
            }

            request.Completion.TrySetResult(null);
        }
        catch (StorageException e)
        {
            request.Completion.TrySetException(e);
        }
        catch (SqliteException e)
        {
            request.Completion.TrySetException(
                new StorageException(StorageErrorCode.Unavailable, string.Empty, $"compaction failed: {e.Message}", null, e));
        }
    }

    private void DeleteHistory(long low, long high)
    {
        using var transaction = _connection.BeginTransaction();
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = DeleteReplacedRows;
        command.Parameters.AddWithValue("$low", low);
        command.Parameters.AddWithValue("$high", high);
        command.Parameters.AddWithValue("$newest", _revision);
        command.ExecuteNonQuery();
        transaction.Commit();
    }
}
