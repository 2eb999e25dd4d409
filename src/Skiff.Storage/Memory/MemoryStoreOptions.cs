using Skiff.Storage.Compaction;

namespace Skiff.Storage.Memory;

/// <summary>Settings of a <see cref="MemoryStore"/>.</summary>
public sealed record MemoryStoreOptions
{
    /// <summary>How many undelivered live events a watcher may have before it is ended as too slow.</summary>
    public int WatchBufferSize { get; init; } = 10_000;

    /// <summary>Automatic compaction, or null (the default) to compact only when asked.</summary>
    public CompactionOptions? Compaction { get; init; }

    /// <summary>The clock of the automatic compaction.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
