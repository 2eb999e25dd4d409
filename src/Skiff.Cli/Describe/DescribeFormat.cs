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
    public static string Since(DateTime? time, DateTimeOffset now) => Skiff.Api.Text.HumanDuration.Since(time, now);

    /// <summary>apimachinery's <c>duration.HumanDuration</c>.</summary>
    public static string HumanDuration(TimeSpan d) => Skiff.Api.Text.HumanDuration.Format(d);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
