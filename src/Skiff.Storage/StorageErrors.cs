namespace Skiff.Storage;

/// <summary>The exceptions every backend throws for the same situations, worded the same way.</summary>
public static class StorageErrors
{
    public static StorageException NotFound(string key) =>
        new(StorageErrorCode.NotFound, key, $"key {key} not found");

    public static StorageException KeyExists(string key, KeyValue? current) =>
        new(StorageErrorCode.KeyExists, key, $"key {key} already exists", current);

    public static StorageException Conflict(string key, long expectedModRevision, KeyValue current) =>
        new(StorageErrorCode.Conflict, key,
            $"key {key} was modified at revision {current.ModRevision}, expected revision {expectedModRevision}", current);

    public static StorageException Compacted(string key, long revision, long compactedRevision) =>
        new(StorageErrorCode.Compacted, key,
            $"revision {revision} is older than the compacted revision {compactedRevision}");

    public static StorageException FutureRevision(string key, long revision, long currentRevision) =>
        new(StorageErrorCode.InvalidArgument, key,
            $"revision {revision} is newer than the current revision {currentRevision}");

    public static StorageException Closed() =>
        new(StorageErrorCode.Unavailable, string.Empty, "the store is closed");

    public static StorageException WatcherTooSlow(string prefix, int bufferSize) =>
        new(StorageErrorCode.Unavailable, prefix,
            $"the watch of {prefix} fell more than {bufferSize} events behind and was ended; watch again from the last revision received");

    /// <summary>Keys must be non-empty; revisions given by callers must be positive.</summary>
    public static void ThrowIfInvalidKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0)
        {
            throw new StorageException(StorageErrorCode.InvalidArgument, key, "the key must not be empty");
        }
    }
}
