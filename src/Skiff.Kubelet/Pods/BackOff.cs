namespace Skiff.Kubelet.Pods;

/// <summary>
/// Kubernetes' per-key exponential back-off (client-go flowcontrol.Backoff): the first delay is
/// <see cref="Initial"/>, each further one doubles up to <see cref="Max"/>, and an entry not touched for twice the
/// maximum (10 minutes with the kubelet's 5-minute maximum) starts over. Not thread-safe: one per pod worker.
/// </summary>
public sealed class BackOff(TimeSpan initial, TimeSpan max, TimeProvider time)
{
    private readonly Dictionary<string, (TimeSpan Delay, DateTimeOffset LastUpdate)> entries = new(StringComparer.Ordinal);

    public TimeSpan Initial { get; } = initial;

    public TimeSpan Max { get; } = max;

    /// <summary>The kubelet's container restart back-off: 10 s doubling to 5 min.</summary>
    public static BackOff ForContainers(TimeProvider time) =>
        new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), time);

    /// <summary>True while the delay that followed <paramref name="eventTime"/> (e.g. the container's exit) runs.</summary>
    public bool IsInBackOffSince(string key, DateTimeOffset eventTime)
    {
        if (!entries.TryGetValue(key, out var entry))
        {
            return false;
        }

        var now = time.GetUtcNow();
        if (HasExpired(now, entry.LastUpdate))
        {
            return false;
        }

        return now - eventTime < entry.Delay;
    }

    /// <summary>True while the delay set by the last <see cref="Next"/> of <paramref name="key"/> runs.</summary>
    public bool IsInBackOffSinceUpdate(string key) =>
        entries.TryGetValue(key, out var entry) && IsInBackOffSince(key, entry.LastUpdate);

    /// <summary>Records one more failure of <paramref name="key"/> and returns the delay before the next attempt.</summary>
    public TimeSpan Next(string key)
    {
        var now = time.GetUtcNow();
        var delay = entries.TryGetValue(key, out var entry) && !HasExpired(now, entry.LastUpdate)
            ? TimeSpan.FromTicks(Math.Min(entry.Delay.Ticks * 2, Max.Ticks))
            : Initial;
        entries[key] = (delay, now);
        return delay;
    }

    /// <summary>The current delay of <paramref name="key"/>, or zero when it has none.</summary>
    public TimeSpan Current(string key) => entries.TryGetValue(key, out var entry) ? entry.Delay : TimeSpan.Zero;

    public void Reset(string key) => entries.Remove(key);

    private bool HasExpired(DateTimeOffset now, DateTimeOffset lastUpdate) => now - lastUpdate > 2 * Max;
}
