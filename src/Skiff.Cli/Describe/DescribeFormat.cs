using System.Globalization;

namespace Skiff.Cli.Describe;

/// <summary>The time and duration formats kubectl's describers use.</summary>
public static class DescribeFormat
{
    /// <summary>Go's <c>time.RFC1123Z</c> in local time: <c>Mon, 02 Jan 2006 15:04:05 -0700</c>.</summary>
    public static string Rfc1123Z(DateTime? time)
    {
        if (time is null)
        {
            return "Mon, 01 Jan 0001 00:00:00 +0000";
        }

        var local = new DateTimeOffset(DateTime.SpecifyKind(time.Value, DateTimeKind.Utc)).ToLocalTime();
        var offset = local.Offset;
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        var abs = offset.Duration();
        return local.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture)
            + sign + abs.Hours.ToString("00", CultureInfo.InvariantCulture) + abs.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>kubectl's <c>translateTimestampSince</c>: <c>&lt;unknown&gt;</c> for no time, else a human duration.</summary>
    public static string Since(DateTime? time, DateTimeOffset now) =>
        time is null || time.Value == default ? "<unknown>" : HumanDuration(now - new DateTimeOffset(DateTime.SpecifyKind(time.Value, DateTimeKind.Utc)));

    /// <summary>apimachinery's <c>duration.HumanDuration</c>.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)Math.Truncate(d.TotalSeconds);
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 120)
        {
            return Invariant($"{seconds}s");
        }

        var minutes = (long)Math.Truncate(d.TotalMinutes);
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? Invariant($"{minutes}m") : Invariant($"{minutes}m{s}s");
        }

        if (minutes < 60 * 3)
        {
            return Invariant($"{minutes}m");
        }

        var hours = (long)Math.Truncate(d.TotalHours);
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? Invariant($"{hours}h") : Invariant($"{hours}h{m}m");
        }

        if (hours < 48)
        {
            return Invariant($"{hours}h");
        }

        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? Invariant($"{hours / 24}d") : Invariant($"{hours / 24}d{h}h");
        }

        if (hours < 24 * 365 * 2)
        {
            return Invariant($"{hours / 24}d");
        }

        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? Invariant($"{hours / 24 / 365}y") : Invariant($"{hours / 24 / 365}y{dy}d");
        }

        return Invariant($"{hours / 24 / 365}y");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
