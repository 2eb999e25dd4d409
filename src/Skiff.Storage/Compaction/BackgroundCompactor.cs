namespace Skiff.Storage.Compaction;

/// <summary>
/// Compacts a store periodically following <see cref="CompactionOptions"/>. Owned by the store that starts it; stops on
/// <see cref="DisposeAsync"/>. A failed compaction is retried at the next tick.
/// </summary>
public sealed class BackgroundCompactor : IAsyncDisposable
{
    private readonly IStore _store;
    private readonly CompactionOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public BackgroundCompactor(IStore store, CompactionOptions options, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(options.RetainedRevisions);
        _store = store;
        _options = options;
        _time = time;
        _loop = RunAsync(_stop.Token);
    }

    /// <summary>The revision of the last successful compaction done by this compactor (0 before the first).</summary>
    public long LastCompactedRevision { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }

        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        var revisionOneIntervalAgo = await _store.GetCurrentRevisionAsync(cancellationToken);
        while (true)
        {
            await Task.Delay(_options.Interval, _time, cancellationToken);
            var current = await _store.GetCurrentRevisionAsync(cancellationToken);
            var target = _options.Target(current, revisionOneIntervalAgo);
            revisionOneIntervalAgo = current;
            if (target <= 0)
            {
                continue;
            }

            try
            {
                await _store.CompactAsync(target, cancellationToken);
                LastCompactedRevision = target;
            }
            catch (StorageException)
            {
                // Unavailable now (e.g. disk full): the next tick tries again with a newer target.
            }
        }
    }
}
