namespace Skiff.Storage.Compaction;

/// <summary>
/// Compacts a store periodically following <see cref="CompactionOptions"/>. Owned by the store that starts it; stops on
/// <see cref="DisposeAsync"/>. A failed compaction is retried at the next tick with a newer target.
/// </summary>
/// <remarks>The first tick only records the current revision (history of unknown age is kept); from the second tick
/// on, the store is compacted to the revision recorded one tick earlier, within the retained-revisions bound.</remarks>
public sealed class BackgroundCompactor : IAsyncDisposable
{
    private readonly IStore _store;
    private readonly CompactionOptions _options;
    private readonly PeriodicTimer _timer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _completedTicks;

    public BackgroundCompactor(IStore store, CompactionOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(options.RetainedRevisions);
        _store = store;
        _options = options;

        // Created here, not in the loop, so that the first interval starts now even before the loop runs.
        _timer = new PeriodicTimer(options.Interval, time);
        _loop = RunAsync(_stop.Token);
    }

    /// <summary>How many ticks were handled (compacted or not); lets tests wait for a tick deterministically.</summary>
    public long CompletedTicks => Interlocked.Read(ref _completedTicks);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _timer.Dispose();
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
        long revisionOneIntervalAgo = 0;
        while (await _timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                var current = await _store.GetCurrentRevisionAsync(cancellationToken);
                var target = _options.Target(current, revisionOneIntervalAgo);
                revisionOneIntervalAgo = current;
                if (target > 0)
                {
                    await _store.CompactAsync(target, cancellationToken);
                }
            }
            catch (StorageException)
            {
                // Unavailable now (e.g. disk full, store closing): the next tick tries again with a newer target.
            }

            Interlocked.Increment(ref _completedTicks);
        }
    }
}
