namespace Skiff.Storage.Etcd;

/// <summary>How to reach the etcd cluster.</summary>
public sealed record EtcdStoreOptions
{
    /// <summary>The client URLs of the members, e.g. <c>http://127.0.0.1:2379</c>; calls are balanced across them.</summary>
    public required IReadOnlyList<Uri> Endpoints { get; init; }

    /// <summary>The longest a unary call may take before it fails with <see cref="StorageErrorCode.Timeout"/>.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a broken watch stream waits before it reconnects and resumes from the last revision seen.</summary>
    public TimeSpan WatchRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How many undelivered events a watcher may have before it is ended with Unavailable as too slow.</summary>
    public int WatchBufferSize { get; init; } = 10_000;

    /// <summary>The largest response accepted (a list of many large objects can exceed gRPC's 4 MiB default).</summary>
    public int MaxReceiveMessageBytes { get; init; } = 256 * 1024 * 1024;
}
