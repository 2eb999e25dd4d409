using Microsoft.Data.Sqlite;

namespace Skiff.Storage.Sqlite;

/// <summary>Reads: each in one read transaction of a pooled connection, i.e. one WAL snapshot.</summary>
public sealed partial class SqliteStore
{
    public async Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken)
    {
        StorageErrors.ThrowIfInvalidKey(key);
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT revision, create_revision, value, deleted FROM log WHERE key = $key ORDER BY revision DESC LIMIT 1;";
        command.Parameters.AddWithValue("$key", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken) || reader.GetInt64(3) != 0)
        {
            return null;
        }

        return new KeyValue(key, SqliteValues.Blob(reader, 2), reader.GetInt64(1), reader.GetInt64(0));
    }

    public async Task<ListResult> ListAsync(string prefix, ListOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Limit);
        var token = options.Continue is null ? null : ContinueToken.Decode(options.Continue, prefix);
        var range = KeyRange.ForPrefix(prefix);

        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: true);
        var current = SqliteSchema.ReadCurrentRevision(connection, transaction);
        var compacted = SqliteSchema.ReadCompactRevision(connection, transaction);
        var revision = token?.Revision ?? (options.Revision is null or 0 ? current : options.Revision.Value);
        if (revision > current)
        {
            throw StorageErrors.FutureRevision(prefix, revision, current);
        }

        if (revision < compacted)
        {
            throw StorageErrors.Compacted(prefix, revision, compacted);
        }

        var items = new List<KeyValue>();
        var more = false;
        await using (var command = LiveKeysCommand(connection, transaction, range, token?.AfterKey, revision,
            "l.key, l.value, l.create_revision, l.revision", options.Limit == 0 ? -1 : options.Limit + 1))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (options.Limit > 0 && items.Count == options.Limit)
                {
                    more = true;
                    break;
                }

                items.Add(new KeyValue(reader.GetString(0), SqliteValues.Blob(reader, 1), reader.GetInt64(2), reader.GetInt64(3)));
            }
        }

        if (!more)
        {
            return new ListResult(items, revision, null, 0);
        }

        var last = items[^1].Key;
        await using var count = LiveKeysCommand(connection, transaction, range, last, revision, "COUNT(*)", -1);
        var remaining = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        return new ListResult(items, revision, new ContinueToken(revision, prefix, last).Encode(), remaining);
    }

    public async Task<long> CountAsync(string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        await using var connection = await OpenReadConnectionAsync(cancellationToken);
        await using var command = LiveKeysCommand(connection, null, KeyRange.ForPrefix(prefix), null, long.MaxValue, "COUNT(*)", -1);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Selects <paramref name="columns"/> of the value each key in <paramref name="range"/> had at
    /// <paramref name="revision"/> (its newest row at or below it, unless that row is a delete), ordered by key.
    /// </summary>
    private static SqliteCommand LiveKeysCommand(
        SqliteConnection connection, SqliteTransaction? transaction, KeyRange range, string? afterKey, long revision, string columns, int limit)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        // Walking the (key, revision) index in key order and keeping each key's newest row at or below the revision
        // returns rows already sorted: no temporary sort of the values.
        command.CommandText = $"""
            SELECT {columns}
            FROM log AS l
            WHERE {range.Condition("l.key", lowerExclusive: afterKey is not null)}
              AND l.revision = (SELECT MAX(r.revision) FROM log AS r WHERE r.key = l.key AND r.revision <= $at)
              AND l.deleted = 0
            ORDER BY l.key
            LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$from", afterKey ?? range.Prefix);
        if (range.Upper is not null)
        {
            command.Parameters.AddWithValue("$to", range.Upper);
        }

        command.Parameters.AddWithValue("$at", revision);
        command.Parameters.AddWithValue("$limit", limit);
        return command;
    }

    private async Task<SqliteConnection> OpenReadConnectionAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw StorageErrors.Closed();
        }

        var connection = new SqliteConnection(_readConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (SqliteException e)
        {
            await connection.DisposeAsync();
            throw new StorageException(StorageErrorCode.Unavailable, string.Empty, $"cannot read the store: {e.Message}", null, e);
        }
    }
}
