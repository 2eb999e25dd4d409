namespace Skiff.Storage.Sqlite;

/// <summary>The newest log row of a key.</summary>
internal readonly record struct LatestVersion(long Revision, long CreateRevision, byte[] Value, bool Deleted)
{
    public KeyValue ToKeyValue(string key) => new(key, Value, CreateRevision, Revision);
}
