using System.Globalization;

namespace Skiff.Api.Text;

/// <summary>
/// Kubernetes' <c>duration.HumanDuration</c> and the printers' <c>translateTimestampSince</c>: the AGE cells of
/// <c>kubectl get</c> (<c>48s</c>, <c>3m20s</c>, <c>10m</c>, <c>5h7m</c>, <c>20h</c>, <c>2d5h</c>, <c>30d</c>, <c>2y10d</c>).
/// </summary>
public static class HumanDuration
{
    public static string Format(TimeSpan duration)
    {
        // Up to two seconds in the future count as now (clock skew between machines).
        var seconds = (long)duration.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 60 * 2)
        {
            return Invariant($"{seconds}s");
        }

        var minutes = seconds / 60;
        if (minutes < 10)
        {
            var rest = seconds % 60;
            return rest == 0 ? Invariant($"{minutes}m") : Invariant($"{minutes}m{rest}s");
        }

        if (minutes < 60 * 3)
        {
            return Invariant($"{minutes}m");
        }

        var hours = minutes / 60;
        if (hours < 8)
        {
            var rest = minutes % 60;
            return rest == 0 ? Invariant($"{hours}h") : Invariant($"{hours}h{rest}m");
        }

        if (hours < 48)
        {
            return Invariant($"{hours}h");
        }

        if (hours < 24 * 8)
        {
            var rest = hours % 24;
            return rest == 0 ? Invariant($"{hours / 24}d") : Invariant($"{hours / 24}d{rest}h");
        }

        if (hours < 24 * 365 * 2)
        {
            return Invariant($"{hours / 24}d");
        }

        if (hours < 24 * 365 * 8)
        {
            var days = hours / 24 % 365;
            return days == 0 ? Invariant($"{hours / 24 / 365}y") : Invariant($"{hours / 24 / 365}y{days}d");
        }

        return Invariant($"{hours / 24 / 365}y");
    }

    /// <summary>translateTimestampSince: <c>&lt;unknown&gt;</c> for a missing timestamp, else the age at <paramref name="now"/>.</summary>
    public static string Since(DateTime? timestamp, DateTimeOffset now) =>
        timestamp is null || timestamp.Value == default ? "<unknown>" : Format(now - ToInstant(timestamp.Value));

    /// <summary>A model's timestamp as an instant (the models' DateTimes are UTC, sometimes of unspecified kind).</summary>
    private static DateTimeOffset ToInstant(DateTime value) =>
        value.Kind == DateTimeKind.Local ? new DateTimeOffset(value.ToUniversalTime(), TimeSpan.Zero) : new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc), TimeSpan.Zero);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
