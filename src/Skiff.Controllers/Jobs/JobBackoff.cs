using System.Collections.Concurrent;

namespace Skiff.Controllers.Jobs;

/// <summary>
/// The pod re-creation back-off of a job (upstream's backoffRecord store): after n failures since the last success,
/// new pods wait 10 s × 2^(n−1), at most 6 minutes, from the last failure.
/// </summary>
public sealed class JobBackoff
{
    /// <summary>upstream's DefaultJobPodFailureBackOff.</summary>
    public static readonly TimeSpan Initial = TimeSpan.FromSeconds(10);

    /// <summary>upstream's MaxJobPodFailureBackOff.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromMinutes(6);

    private readonly ConcurrentDictionary<string, Record> _records = new(StringComparer.Ordinal);

    /// <summary>The delay after <paramref name="failures"/> consecutive failures.</summary>
    public static TimeSpan Delay(int failures)
    {
        if (failures <= 0)
        {
            return TimeSpan.Zero;
        }

        var delay = Initial;
        for (var i = 1; i < failures; i++)
        {
            delay *= 2;
            if (delay >= Max)
            {
                return Max;
            }
        }

        return delay;
    }

    /// <summary>Folds newly finished pods into the job's record: a success newer than every failure resets the count.</summary>
    public void Observe(string key, IReadOnlyCollection<DateTimeOffset> failures, IReadOnlyCollection<DateTimeOffset> successes)
    {
        ArgumentNullException.ThrowIfNull(failures);
        ArgumentNullException.ThrowIfNull(successes);
        if (failures.Count == 0 && successes.Count == 0)
        {
            return;
        }

        _records.AddOrUpdate(
            key,
            _ => Fold(new Record(0, null), failures, successes),
            (_, old) => Fold(old, failures, successes));
    }

    /// <summary>How long the job must still wait before creating pods (zero: create now).</summary>
    public TimeSpan Remaining(string key, DateTimeOffset now)
    {
        if (!_records.TryGetValue(key, out var record) || record.Failures == 0 || record.LastFailure is not { } last)
        {
            return TimeSpan.Zero;
        }

        var left = Delay(record.Failures) - (now - last);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    public int Failures(string key) => _records.TryGetValue(key, out var record) ? record.Failures : 0;

    public void Forget(string key) => _records.TryRemove(key, out _);

    private static Record Fold(Record old, IReadOnlyCollection<DateTimeOffset> failures, IReadOnlyCollection<DateTimeOffset> successes)
    {
        var lastSuccess = successes.Count > 0 ? successes.Max() : (DateTimeOffset?)null;
        var lastFailure = failures.Count > 0 ? failures.Max() : old.LastFailure;
        if (lastSuccess is { } success && (lastFailure is null || success >= lastFailure))
        {
            return new Record(0, lastFailure);
        }

        var count = lastSuccess is { } s ? failures.Count(f => f > s) : old.Failures + failures.Count;
        return new Record(count, lastFailure);
    }

    private sealed record Record(int Failures, DateTimeOffset? LastFailure);
}
