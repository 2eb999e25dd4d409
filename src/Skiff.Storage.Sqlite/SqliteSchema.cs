using Microsoft.Data.Sqlite;

namespace Skiff.Storage.Sqlite;

/// <summary>
/// The file layout, after kine: one row per revision in <c>log</c>. A row holds the key's value as written at that
/// revision (empty and <c>deleted = 1</c> for a delete), the key's create revision and the revision of the value it
/// replaced (<c>prev_revision</c>, 0 for a create), which is how watch events get their previous value. <c>meta</c>
/// keeps the compacted revision. The current revision is the largest revision in <c>log</c>; compaction never deletes
/// that row.
/// </summary>
internal static class SqliteSchema
{
    public const string CompactRevisionName = "compact_revision";

    private const string CreateTables = """
        CREATE TABLE IF NOT EXISTS log (
            revision INTEGER PRIMARY KEY,
            key TEXT NOT NULL,
            value BLOB NOT NULL,
            create_revision INTEGER NOT NULL,
            prev_revision INTEGER NOT NULL,
            deleted INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
        CREATE TABLE IF NOT EXISTS meta (
            name TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        );
        INSERT OR IGNORE INTO meta (name, value) VALUES ('compact_revision', 0);
        """;

    /// <summary>Sets the durability pragmas of the writer connection and creates the tables when missing.</summary>
    public static void Prepare(SqliteConnection connection)
    {
        Execute(connection, "PRAGMA journal_mode = WAL;");
        Execute(connection, "PRAGMA synchronous = FULL;");
        Execute(connection, CreateTables);
    }

    public static long ReadCurrentRevision(SqliteConnection connection, SqliteTransaction? transaction) =>
        Scalar(connection, transaction, "SELECT COALESCE(MAX(revision), 0) FROM log;");

    public static long ReadCompactRevision(SqliteConnection connection, SqliteTransaction? transaction) =>
        Scalar(connection, transaction, "SELECT value FROM meta WHERE name = 'compact_revision';");

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
