namespace Skiff.Bench.Storage;

/// <summary>The operations the workload drives, on Skiff's SQLite store or on etcd through dotnet-etcd.</summary>
internal interface IBenchTarget : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Create-if-absent; returns the revision of the write.</summary>
    Task<long> CreateAsync(string key, byte[] value, CancellationToken cancellationToken);

    /// <summary>Compare-and-swap on the mod revision; returns the new revision.</summary>
    Task<long> UpdateAsync(string key, byte[] value, long expectedModRevision, CancellationToken cancellationToken);

    /// <summary>Reads one key; returns its mod revision.</summary>
    Task<long> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Lists a whole prefix in one call; returns how many items came back.</summary>
    Task<int> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Watches <paramref name="prefix"/> from now; <paramref name="onEvent"/> gets each event's key. Ready when the task completes.</summary>
    Task<IAsyncDisposable> WatchAsync(string prefix, Action<string> onEvent, CancellationToken cancellationToken);

    /// <summary>Peak resident set of the process that holds the data, in bytes.</summary>
    long PeakRssBytes();
}
