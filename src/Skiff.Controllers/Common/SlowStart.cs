namespace Skiff.Controllers.Common;

/// <summary>
/// upstream's slowStartBatch: calls <paramref name="action"/> <paramref name="count"/> times in batches of 1, 2, 4,
/// ... run in parallel, stopping after the first batch with a failure, so that a quota or admission refusal costs one
/// call rather than hundreds. Returns how many succeeded and the first error.
/// </summary>
public static class SlowStart
{
    public const int InitialBatchSize = 1;

    public static async Task<(int Succeeded, Exception? Error)> RunAsync(int count, Func<CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        var remaining = count;
        var succeeded = 0;
        for (var batch = Math.Min(remaining, InitialBatchSize); batch > 0; batch = Math.Min(2 * batch, remaining))
        {
            var tasks = Enumerable.Range(0, batch).Select(_ => RunOneAsync(action, cancellationToken)).ToArray();
            var errors = await Task.WhenAll(tasks);
            var failed = errors.Where(e => e is not null).ToList();
            succeeded += batch - failed.Count;
            if (failed.Count > 0)
            {
                return (succeeded, failed[0]);
            }

            remaining -= batch;
        }

        return (succeeded, null);
    }

    private static async Task<Exception?> RunOneAsync(Func<CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        try
        {
            await action(cancellationToken);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return e;
        }
    }
}
