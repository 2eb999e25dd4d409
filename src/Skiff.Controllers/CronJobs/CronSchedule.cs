using Cronos;
using Skiff.Api.Cron;

namespace Skiff.Controllers.CronJobs;

/// <summary>
/// A CronJob's schedule in its time zone: the five-field (or macro) syntax upstream accepts, evaluated by Cronos, whose
/// next occurrences handle DST as wall clocks do (a time skipped by spring-forward runs at the end of the gap, a time
/// repeated by fall-back runs once).
/// </summary>
public sealed class CronSchedule
{
    private readonly CronExpression? _expression;
    private readonly TimeSpan _every;

    private CronSchedule(CronExpression? expression, TimeSpan every, TimeZoneInfo zone)
    {
        _expression = expression;
        _every = every;
        Zone = zone;
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>Parses <paramref name="schedule"/>; the error is the cron parser's message. A <c>TZ=</c>/<c>CRON_TZ=</c>
    /// prefix (kept from objects stored before upstream refused it) overrides <paramref name="zone"/>, as robfig/cron's.</summary>
    public static (CronSchedule? Schedule, string? Error) Parse(string? schedule, TimeZoneInfo zone)
    {
        var (fields, error) = CronScheduleSyntax.Normalize(schedule);
        if (fields is null)
        {
            return (null, error);
        }

        if (CronScheduleSyntax.TimeZonePrefix(schedule) is { } zoneName)
        {
            if (!TimeZoneInfo.TryFindSystemTimeZoneById(zoneName, out var prefixed))
            {
                return (null, $"provided bad location {zoneName}: unknown time zone {zoneName}");
            }

            zone = prefixed;
        }

        if (CronScheduleSyntax.Every(fields).Delay is { } every)
        {
            return (new CronSchedule(null, every, zone), null);
        }

        try
        {
            return (new CronSchedule(CronExpression.Parse(fields, CronFormat.Standard), TimeSpan.Zero, zone), null);
        }
        catch (CronFormatException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>The first scheduled time strictly after <paramref name="after"/>, or null if there is none.</summary>
    public DateTimeOffset? Next(DateTimeOffset after) => _expression is null
        ? after.AddTicks(-(after.Ticks % TimeSpan.TicksPerSecond)).Add(_every) // robfig's ConstantDelaySchedule
        : _expression.GetNextOccurrence(after, Zone, inclusive: false);

    /// <summary>
    /// upstream's mostRecentScheduleTime: the latest scheduled time in (<paramref name="earliest"/>, <paramref name="now"/>]
    /// and how many were missed in that window (0 or 1 in the normal case); large gaps are estimated from the interval
    /// between two consecutive times, then corrected forward, so a cronjob left for a year costs no year of iteration.
    /// </summary>
    public (DateTimeOffset? MostRecent, long Missed) MostRecent(DateTimeOffset earliest, DateTimeOffset now)
    {
        if (Next(earliest) is not { } t1 || now < t1)
        {
            return (null, 0);
        }

        if (Next(t1) is not { } t2 || now < t2)
        {
            return (t1, 1);
        }

        var interval = (long)Math.Round((t2 - t1).TotalSeconds);
        if (interval < 1)
        {
            return (t2, 2);
        }

        var elapsed = (long)(now - t1).TotalSeconds;
        var missed = (elapsed / interval) + 1;
        var estimate = t1.AddSeconds((missed - 1) * interval);
        var mostRecent = estimate;

        // The estimate is only exact for evenly spaced schedules: step back to a real time, then forward to now.
        if (Next(estimate.AddSeconds(-1)) is { } real && real == estimate)
        {
            mostRecent = real;
        }
        else
        {
            mostRecent = t1;
            var back = estimate.AddSeconds(-interval * 2);
            if (back > t1 && Next(back) is { } candidate && candidate <= now)
            {
                mostRecent = candidate;
            }
        }

        for (var t = Next(mostRecent); t is { } next && next <= now; t = Next(next))
        {
            mostRecent = next;
        }

        return (mostRecent, missed);
    }
}
