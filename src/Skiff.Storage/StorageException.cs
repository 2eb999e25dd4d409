namespace Skiff.Storage;

/// <summary>Why a storage operation failed. The API server maps each to one HTTP status in one place.</summary>
public enum StorageErrorCode
{
    /// <summary>The key does not exist (404).</summary>
    NotFound,

    /// <summary>Create of a key that exists (409 AlreadyExists).</summary>
    KeyExists,

    /// <summary>The expected mod revision did not match (409 Conflict).</summary>
    Conflict,

    /// <summary>The asked revision was compacted away (410 Gone).</summary>
    Compacted,

    /// <summary>The store cannot serve now (503).</summary>
    Unavailable,

    /// <summary>The operation did not finish in time (504).</summary>
    Timeout,

    /// <summary>The caller passed something the store cannot use: a bad continue token, a future revision (400).</summary>
    InvalidArgument,
}

/// <summary>A typed storage failure.</summary>
public sealed class StorageException : Exception
{
    public StorageException(StorageErrorCode code, string key, string message, KeyValue? current = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Key = key;
        Current = current;
    }

    public StorageException()
        : this(StorageErrorCode.Unavailable, string.Empty, "storage error")
    {
    }

    public StorageException(string message)
        : this(StorageErrorCode.Unavailable, string.Empty, message)
    {
    }

    public StorageException(string message, Exception innerException)
        : this(StorageErrorCode.Unavailable, string.Empty, message, null, innerException)
    {
    }

    /// <summary>Why it failed.</summary>
    public StorageErrorCode Code { get; }

    /// <summary>The key the operation was about (empty when none).</summary>
    public string Key { get; }

    /// <summary>For <see cref="StorageErrorCode.Conflict"/>: the value now stored, when known.</summary>
    public KeyValue? Current { get; }
}
