namespace Skiff.Storage;

/// <summary>A stored value with the revisions of its creation and its last modification.</summary>
/// <param name="Key">The full key, e.g. <c>/registry/pods/default/nginx</c>.</param>
/// <param name="Value">The value bytes (for Skiff's API server, an object's JSON).</param>
/// <param name="CreateRevision">The revision of the write that created the key.</param>
/// <param name="ModRevision">The revision of the last write to the key.</param>
public sealed record KeyValue(string Key, ReadOnlyMemory<byte> Value, long CreateRevision, long ModRevision)
{
    /// <summary>Set by a value transformer between the server and the store (encryption at rest) when the value was
    /// read with anything but its primary provider: an update must write it again even when nothing changed, so that
    /// key rotation re-encrypts (upstream's "stale" read).</summary>
    public bool Stale { get; init; }
}
