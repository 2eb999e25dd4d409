namespace Skiff.Client.Queue;

/// <summary>Per-item exponential back-off: base × 2^(failures−1), capped (client-go's default is 5 ms to 1000 s).</summary>
public sealed class ExponentialFailureRateLimiter<T>(TimeSpan baseDelay, TimeSpan maxDelay) : IRateLimiter<T>
    where T : notnull
{
    private readonly Dictionary<T, int> _failures = [];

    public TimeSpan When(T item)
    {
        int failures;
        lock (_failures)
        {
            failures = _failures.GetValueOrDefault(item);
            _failures[item] = failures + 1;
        }

        var delay = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 62));
        return delay >= maxDelay.TotalMilliseconds ? maxDelay : TimeSpan.FromMilliseconds(delay);
    }

    public void Forget(T item)
    {
        lock (_failures)
        {
            _failures.Remove(item);
        }
    }

    public int NumRequeues(T item)
    {
        lock (_failures)
        {
            return _failures.GetValueOrDefault(item);
        }
    }
}
