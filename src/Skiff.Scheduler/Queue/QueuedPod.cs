using k8s.Models;

namespace Skiff.Scheduler.Queue;

/// <summary>A pod waiting in the scheduling queue and its history there (upstream's QueuedPodInfo).</summary>
public sealed class QueuedPod
{
    internal QueuedPod(V1Pod pod, string key, DateTimeOffset now)
    {
        Pod = pod;
        Key = key;
        Timestamp = now;
        InitialAttemptTimestamp = now;
    }

    public V1Pod Pod { get; internal set; }

    public string Key { get; }

    /// <summary>When the pod entered the queue, or last failed: the tie-breaker after priority, and the start
    /// of its back-off.</summary>
    public DateTimeOffset Timestamp { get; internal set; }

    public DateTimeOffset InitialAttemptTimestamp { get; }

    /// <summary>Scheduling attempts so far; the back-off doubles with each.</summary>
    public int Attempts { get; internal set; }

    /// <summary>Which sub-queue holds the pod now.</summary>
    internal QueueLocation Location { get; set; }

    /// <summary>Makes stale entries of the heaps recognisable (they are removed lazily).</summary>
    internal long Version { get; set; }

    public int Priority => Pod.Spec?.Priority ?? 0;
}

internal enum QueueLocation
{
    None,
    Active,
    Backoff,
    Unschedulable,
    InFlight,
}
