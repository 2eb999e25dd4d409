namespace Skiff.Storage.Sqlite;

/// <summary>What the writer is asked to do.</summary>
internal enum WriteKind
{
    Create,
    Update,
    Delete,
    Compact,
}

/// <summary>One queued write; completed by the writer after the transaction holding it is committed.</summary>
internal sealed class WriteRequest(WriteKind kind, string key, byte[] value, long? revision, CancellationToken cancellationToken)
{
    public WriteKind Kind { get; } = kind;

    public string Key { get; } = key;

    public byte[] Value { get; } = value;

    /// <summary>The expected mod revision (update, guarded delete) or the revision to compact to.</summary>
    public long? Revision { get; } = revision;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public TaskCompletionSource<KeyValue?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
