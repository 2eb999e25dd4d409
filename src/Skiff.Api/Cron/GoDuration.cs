using System.Globalization;
using System.Text.RegularExpressions;

namespace Skiff.Api.Cron;

/// <summary>Go's time.ParseDuration, as robfig/cron reads <c>@every &lt;duration&gt;</c>: a signed sequence of decimal
/// numbers with units ns, us (µs), ms, s, m, h, e.g. <c>1h30m</c>, <c>1.5h</c>, <c>90s</c>; a bare <c>0</c> is allowed.</summary>
public static partial class GoDuration
{
    private static readonly Dictionary<string, double> TicksPerUnit = new(StringComparer.Ordinal)
    {
        ["ns"] = 0.01,
        ["us"] = 10,
        ["µs"] = 10,
        ["μs"] = 10,
        ["ms"] = TimeSpan.TicksPerMillisecond,
        ["s"] = TimeSpan.TicksPerSecond,
        ["m"] = TimeSpan.TicksPerMinute,
        ["h"] = TimeSpan.TicksPerHour,
    };

    public static (TimeSpan? Value, string? Error) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var invalid = $"time: invalid duration \"{text}\"";
        var body = text.StartsWith('-') || text.StartsWith('+') ? text[1..] : text;
        if (body == "0")
        {
            return (TimeSpan.Zero, null);
        }

        if (body.Length == 0 || !Whole().IsMatch(body))
        {
            return (null, body.Length > 0 && Part().Matches(body).Sum(m => m.Length) == body.Length
                ? $"time: missing unit in duration \"{text}\""
                : invalid);
        }

        double ticks = 0;
        foreach (Match part in Part().Matches(body))
        {
            if (part.Groups["unit"].Value.Length == 0)
            {
                return (null, $"time: missing unit in duration \"{text}\"");
            }

            if (!TicksPerUnit.TryGetValue(part.Groups["unit"].Value, out var perUnit))
            {
                return (null, $"time: unknown unit \"{part.Groups["unit"].Value}\" in duration \"{text}\"");
            }

            ticks += double.Parse(part.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) * perUnit;
        }

        if (ticks > TimeSpan.MaxValue.Ticks)
        {
            return (null, $"time: invalid duration \"{text}\"");
        }

        var value = TimeSpan.FromTicks((long)ticks);
        return (text.StartsWith('-') ? -value : value, null);
    }

    [GeneratedRegex(@"^(?:(?:\d+\.?\d*|\.\d+)[a-zµμ]+)+$", RegexOptions.CultureInvariant)]
    private static partial Regex Whole();

    [GeneratedRegex(@"(?<number>\d+\.?\d*|\.\d+)(?<unit>[a-zµμ]*)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();
}
