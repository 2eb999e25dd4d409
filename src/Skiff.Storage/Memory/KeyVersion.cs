namespace Skiff.Storage.Memory;

/// <summary>One version of a key: its value as written at <paramref name="Revision"/>, or a deletion.</summary>
internal readonly record struct KeyVersion(long Revision, long CreateRevision, ReadOnlyMemory<byte> Value, bool Deleted)
{
    public KeyValue ToKeyValue(string key) => new(key, Value, CreateRevision, Revision);
}
