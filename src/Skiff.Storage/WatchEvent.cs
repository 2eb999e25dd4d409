namespace Skiff.Storage;

/// <summary>What happened to a key.</summary>
public enum WatchEventType
{
    /// <summary>The key was created or updated.</summary>
    Put,

    /// <summary>The key was deleted.</summary>
    Delete,
}

/// <summary>One change seen by a watch.</summary>
/// <param name="Type">Put or delete.</param>
/// <param name="Key">The changed key.</param>
/// <param name="Value">The new value for a put; empty for a delete.</param>
/// <param name="PreviousValue">The value before this change, or null when the key did not exist (a create).</param>
/// <param name="Revision">The revision of the change.</param>
/// <param name="CreateRevision">The create revision of the key (for a delete: of the deleted value).</param>
public sealed record WatchEvent(
    WatchEventType Type,
    string Key,
    ReadOnlyMemory<byte> Value,
    ReadOnlyMemory<byte>? PreviousValue,
    long Revision,
    long CreateRevision)
{
    /// <summary>True when this put created the key (there was no previous value).</summary>
    public bool IsCreate => Type == WatchEventType.Put && PreviousValue is null;
}
