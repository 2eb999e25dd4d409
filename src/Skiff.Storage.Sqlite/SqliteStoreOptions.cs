using Skiff.Storage.Compaction;

namespace Skiff.Storage.Sqlite;

/// <summary>Settings of a <see cref="SqliteStore"/>.</summary>
public sealed record SqliteStoreOptions
{
    /// <summary>Defaults: automatic compaction every 5 minutes keeping at least 10,000 revisions; 10,000-event watch buffers.</summary>
    public static SqliteStoreOptions Default { get; } = new();

    /// <summary>Automatic compaction (see <see cref="CompactionOptions"/>), or null to compact only when asked.</summary>
    public CompactionOptions? Compaction { get; init; } = CompactionOptions.Default;

    /// <summary>
    /// How many undelivered live events a watcher may have before it is ended with
    /// <see cref="StorageErrorCode.Unavailable"/> ("too slow") so that it never holds back writers.
    /// </summary>
    public int WatchBufferSize { get; init; } = 10_000;

    /// <summary>The most writes committed together in one transaction (group commit).</summary>
    public int MaxWritesPerCommit { get; init; } = 1_000;

    /// <summary>The most revisions whose history is deleted in one transaction, so compaction never stalls writers long.</summary>
    public int CompactionRevisionsPerTransaction { get; init; } = 5_000;

    /// <summary>The clock of the automatic compaction.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
