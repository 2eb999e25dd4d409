using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Skiff.Storage.Sqlite;

/// <summary>Watch: replay from the log, then the writer's live events.</summary>
public sealed partial class SqliteStore
{
    private const int ReplayPageSize = 1_000;

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return _broadcaster.WatchAsync(prefix, afterRevision, ReplayAsync, cancellationToken);

        async IAsyncEnumerable<WatchEvent> ReplayAsync(long after, long upTo, [EnumeratorCancellation] CancellationToken ct)
        {
            var range = KeyRange.ForPrefix(prefix);
            var page = new List<WatchEvent>(ReplayPageSize);
            do
            {
                page.Clear();
                await ReadLogPageAsync(range, after, upTo, page, ct);
                foreach (var e in page)
                {
                    yield return e;
                }

                after = page.Count > 0 ? page[^1].Revision : after;
            }
            while (page.Count == ReplayPageSize);
        }
    }

    /// <summary>Reads up to one page of the log of <paramref name="range"/> in (after, upTo], checking compaction in the same snapshot.</summary>
    private async Task ReadLogPageAsync(KeyRange range, long after, long upTo, List<WatchEvent> page, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: true);
        var compacted = SqliteSchema.ReadCompactRevision(connection, transaction);
        if (after < compacted)
        {
            throw StorageErrors.Compacted(range.Prefix, after, compacted);
        }

        if (after >= upTo)
        {
            return;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            SELECT l.revision, l.key, l.value, l.create_revision, l.deleted, l.prev_revision, p.value
            FROM log AS l LEFT JOIN log AS p ON p.revision = l.prev_revision
            WHERE l.revision > $after AND l.revision <= $upTo AND {range.Condition("l.key", lowerExclusive: false)}
            ORDER BY l.revision
            LIMIT {ReplayPageSize};
            """;
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$upTo", upTo);
        command.Parameters.AddWithValue("$from", range.Prefix);
        if (range.Upper is not null)
        {
            command.Parameters.AddWithValue("$to", range.Upper);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var deleted = reader.GetInt64(4) != 0;
            // Not a conditional expression: there `null` converts through byte[] into an empty, non-null memory.
            ReadOnlyMemory<byte>? previous = null;
            if (reader.GetInt64(5) != 0)
            {
                previous = SqliteValues.Blob(reader, 6);
            }

            page.Add(new WatchEvent(
                deleted ? WatchEventType.Delete : WatchEventType.Put,
                reader.GetString(1),
                deleted ? ReadOnlyMemory<byte>.Empty : SqliteValues.Blob(reader, 2),
                previous,
                reader.GetInt64(0),
                reader.GetInt64(3)));
        }
    }
}
