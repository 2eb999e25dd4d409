using Microsoft.Data.Sqlite;

namespace Skiff.Storage.Sqlite;

/// <summary>Reading columns the same way everywhere.</summary>
internal static class SqliteValues
{
    /// <summary>A blob column; SQLite may hand back a zero-length blob as NULL.</summary>
    public static byte[] Blob(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? [] : reader.GetFieldValue<byte[]>(ordinal);
}
