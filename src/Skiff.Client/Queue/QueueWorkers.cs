using Microsoft.Extensions.Logging;

namespace Skiff.Client.Queue;

/// <summary>
/// Runs a controller's workers over its queue: each takes a key, calls the sync, forgets the key's failures on
/// success or re-adds it rate-limited on failure (client-go's processNextWorkItem), until cancelled.
/// </summary>
public static class QueueWorkers
{
    public static async Task RunAsync<T>(
        WorkQueue<T> queue,
        int workers,
        Func<T, CancellationToken, Task> sync,
        ILogger logger,
        CancellationToken cancellationToken)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(sync);
        using var stop = cancellationToken.Register(queue.ShutDown);
        var tasks = Enumerable.Range(0, Math.Max(1, workers))
            .Select(_ => Task.Run(() => WorkAsync(queue, sync, logger, cancellationToken), CancellationToken.None))
            .ToArray();
        await Task.WhenAll(tasks);
    }

    private static async Task WorkAsync<T>(WorkQueue<T> queue, Func<T, CancellationToken, Task> sync, ILogger logger, CancellationToken cancellationToken)
        where T : notnull
    {
        while (true)
        {
            (T Item, bool Ok) next;
            try
            {
                next = await queue.GetAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (!next.Ok)
            {
                return;
            }

            try
            {
                await sync(next.Item, cancellationToken);
                queue.Forget(next.Item);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("{Queue}: syncing {Key} failed (attempt {Attempt}): {Error}", queue.Name, next.Item, queue.NumRequeues(next.Item) + 1, e.Message);
                queue.AddRateLimited(next.Item);
            }
            finally
            {
                queue.Done(next.Item);
            }
        }
    }
}
