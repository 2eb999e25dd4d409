namespace Skiff.Controllers.Common;

/// <summary>
/// One call per item with at most a set number in flight, answers in the items' order: a controller's deletions of up
/// to 500 pods at once (upstream starts a goroutine per pod and its client's rate limit paces them; Skiff's clients have
/// no rate limit, so they went to the API server all at once, as slow start's batches did before
/// <see cref="SlowStart.MaxInFlight"/>).
/// </summary>
public static class BoundedCalls
{
    /// <param name="maxInFlight">Calls in flight at once (at least 1).</param>
    public static async Task<TResult[]> RunAsync<TItem, TResult>(
        IReadOnlyList<TItem> items, int maxInFlight, Func<TItem, CancellationToken, Task<TResult>> action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        var results = new TResult[items.Count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Math.Min(items.Count, maxInFlight)).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < items.Count; i = Interlocked.Increment(ref next))
            {
                results[i] = await action(items[i], cancellationToken);
            }
        }));
        return results;
    }
}
