using k8s.Models;

namespace Skiff.Client.Events;

/// <summary>
/// client-go's EventCorrelator: decides for each new event whether to create it, to count it on an existing event
/// (same source, object, type, reason and message: <c>count</c> and <c>lastTimestamp</c> move), to fold it into
/// an aggregate ("(combined from similar events): ...", once more than 10 distinct messages of one reason about one
/// object arrive within 10 minutes), or to drop it (a token bucket per source and object: burst 25, then one per
/// 5 minutes).
/// </summary>
public sealed class EventCorrelator
{
    public const int MaxSimilarEvents = 10;
    public const string CombinedPrefix = "(combined from similar events): ";
    private const int CacheSize = 4096;
    private static readonly TimeSpan AggregateWindow = TimeSpan.FromMinutes(10);

    private readonly TimeProvider _time;
    private readonly double _spamBurst;
    private readonly double _spamPerSecond;
    private readonly LruCache<string, SimilarEvents> _aggregates = new(CacheSize);
    private readonly LruCache<string, Observed> _observed = new(CacheSize);
    private readonly LruCache<string, Bucket> _buckets = new(CacheSize);

    public EventCorrelator(TimeProvider time, int spamBurst = 25, double spamPerSecond = 1.0 / 300)
    {
        _time = time;
        _spamBurst = spamBurst;
        _spamPerSecond = spamPerSecond;
    }

    /// <summary>What to write for <paramref name="incoming"/>: null to drop it; otherwise the event to create, or
    /// (when <see cref="Decision.IsUpdate"/>) the existing event's name with its new count.</summary>
    public Decision? Correlate(Corev1Event incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        var now = _time.GetUtcNow();
        var aggregated = Fold(incoming, now, out var key);
        var decision = Observe(aggregated, key, now);
        return Allow(aggregated, now) ? decision : null;
    }

    /// <summary>The write failed for good: forget the event so the next one starts afresh.</summary>
    public void Forget(Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        _observed.Remove(decision.Key);
    }

    /// <summary>Remembers the name the server gave the event written for <paramref name="decision"/>.</summary>
    public void Written(Decision decision, string name)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (_observed.TryGet(decision.Key, out var observed))
        {
            observed.Name = name;
        }
    }

    private Corev1Event Fold(Corev1Event e, DateTimeOffset now, out string key)
    {
        var aggregateKey = string.Join('\u0001', SourceAndObject(e), e.Type, e.Reason, e.ReportingComponent, e.ReportingInstance);
        if (!_aggregates.TryGet(aggregateKey, out var record) || now - record.Last > AggregateWindow)
        {
            record = new SimilarEvents();
            _aggregates.Set(aggregateKey, record);
        }

        record.Messages.Add(e.Message ?? string.Empty);
        record.Last = now;
        if (record.Messages.Count < MaxSimilarEvents)
        {
            key = string.Join('\u0001', aggregateKey, e.Message);
            return e;
        }

        key = aggregateKey;
        e.Message = CombinedPrefix + e.Message;
        return e;
    }

    private Decision Observe(Corev1Event e, string key, DateTimeOffset now)
    {
        if (_observed.TryGet(key, out var seen))
        {
            seen.Count++;
            seen.Last = now;
            return new Decision(key, e, IsUpdate: true, seen.Name, seen.Count, seen.First, now);
        }

        var observed = new Observed { Count = 1, First = now, Last = now };
        _observed.Set(key, observed);
        return new Decision(key, e, IsUpdate: false, null, 1, now, now);
    }

    private bool Allow(Corev1Event e, DateTimeOffset now)
    {
        var key = SourceAndObject(e);
        if (!_buckets.TryGet(key, out var bucket))
        {
            bucket = new Bucket { Tokens = _spamBurst, At = now };
            _buckets.Set(key, bucket);
        }

        bucket.Tokens = Math.Min(_spamBurst, bucket.Tokens + ((now - bucket.At).TotalSeconds * _spamPerSecond));
        bucket.At = now;
        if (bucket.Tokens < 1)
        {
            return false;
        }

        bucket.Tokens -= 1;
        return true;
    }

    private static string SourceAndObject(Corev1Event e)
    {
        var o = e.InvolvedObject;
        return string.Join('\u0001', e.Source?.Component, e.Source?.Host, o?.Kind, o?.NamespaceProperty, o?.Name, o?.Uid, o?.ApiVersion, o?.FieldPath);
    }

    /// <summary>What the broadcaster writes.</summary>
    /// <param name="Key">The correlation key (for <see cref="Written"/>/<see cref="Forget"/>).</param>
    /// <param name="Event">The event (message possibly aggregated).</param>
    /// <param name="IsUpdate">Count it on the existing event <paramref name="Name"/> rather than create one.</param>
    /// <param name="Name">The existing event's name when known.</param>
    /// <param name="Count">The event's count after this one.</param>
    /// <param name="First">When the first of these was seen.</param>
    /// <param name="Last">When this one was seen.</param>
    public sealed record Decision(string Key, Corev1Event Event, bool IsUpdate, string? Name, int Count, DateTimeOffset First, DateTimeOffset Last);

    private sealed class SimilarEvents
    {
        public HashSet<string> Messages { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset Last { get; set; }
    }

    private sealed class Observed
    {
        public int Count { get; set; }

        public DateTimeOffset First { get; set; }

        public DateTimeOffset Last { get; set; }

        public string? Name { get; set; }
    }

    private sealed class Bucket
    {
        public double Tokens { get; set; }

        public DateTimeOffset At { get; set; }
    }
}
