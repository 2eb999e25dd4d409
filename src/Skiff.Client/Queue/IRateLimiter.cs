namespace Skiff.Client.Queue;

/// <summary>How long an item waits before it is retried (client-go's workqueue.RateLimiter).</summary>
public interface IRateLimiter<in T>
{
    /// <summary>The delay before the item's next retry; counts one more failure of it.</summary>
    TimeSpan When(T item);

    /// <summary>The item succeeded: forget its failures.</summary>
    void Forget(T item);

    /// <summary>How many times the item failed since it was last forgotten.</summary>
    int NumRequeues(T item);
}
