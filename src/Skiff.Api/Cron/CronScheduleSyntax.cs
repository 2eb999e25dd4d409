using System.Globalization;

namespace Skiff.Api.Cron;

/// <summary>
/// The schedule syntax a CronJob accepts, as upstream's parser (robfig/cron v3 <c>ParseStandard</c>) reads it: five
/// whitespace-separated fields (minute, hour, day of month, month, day of week 0-6, with <c>*</c>, <c>?</c>, ranges,
/// steps, lists and month/day names) or a macro (<c>@yearly</c>, <c>@annually</c>, <c>@monthly</c>, <c>@weekly</c>,
/// <c>@daily</c>, <c>@midnight</c>, <c>@hourly</c>) or <c>@every &lt;duration&gt;</c> (kept as is: see
/// <see cref="Every"/>). A leading <c>TZ=zone</c> or <c>CRON_TZ=zone</c> names the zone (<see cref="TimeZonePrefix"/>). Errors carry that parser's messages, which the API returns in its 422.
/// </summary>
public static class CronScheduleSyntax
{
    private static readonly Dictionary<string, string> Macros = new(StringComparer.Ordinal)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    private static readonly string[] MonthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private static readonly (int Min, int Max, string[]? Names, int NameBase)[] Bounds =
    [
        (0, 59, null, 0),
        (0, 23, null, 0),
        (1, 31, null, 0),
        (1, 12, MonthNames, 1),
        (0, 6, DayNames, 0),
    ];

    /// <summary>The five-field form of <paramref name="schedule"/> (macros expanded, a <c>TZ=</c>/<c>CRON_TZ=</c>
    /// prefix dropped), or the parser's error message.</summary>
    public static (string? Fields, string? Error) Normalize(string? schedule)
    {
        var text = (schedule ?? string.Empty).Trim();
        if (text.Length == 0)
        {
            return (null, "empty spec string");
        }

        if (text.StartsWith("TZ=", StringComparison.Ordinal) || text.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = text.IndexOfAny([' ', '\t']);
            text = space < 0 ? string.Empty : text[(space + 1)..].Trim();
        }

        if (text.StartsWith(EveryPrefix, StringComparison.Ordinal))
        {
            var (_, everyError) = Every(text);
            return everyError is null ? (text, null) : (null, everyError);
        }

        if (text.StartsWith('@'))
        {
            return Macros.TryGetValue(text, out var expanded) ? (expanded, null) : (null, $"unrecognized descriptor: {text}");
        }

        var fields = text.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            return (null, string.Create(CultureInfo.InvariantCulture, $"expected exactly 5 fields, found {fields.Length}: {text}"));
        }

        for (var i = 0; i < fields.Length; i++)
        {
            foreach (var part in fields[i].Split(','))
            {
                if (CheckRange(part, Bounds[i]) is { } error)
                {
                    return (null, error);
                }
            }
        }

        return (string.Join(' ', fields), null);
    }

    private const string EveryPrefix = "@every ";

    /// <summary>robfig/cron's <c>@every &lt;duration&gt;</c>: a constant delay, at least one second, whole seconds;
    /// null delay when <paramref name="schedule"/> is not of that form (or the parser's error).</summary>
    public static (TimeSpan? Delay, string? Error) Every(string schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (!schedule.StartsWith(EveryPrefix, StringComparison.Ordinal))
        {
            return (null, null);
        }

        var text = schedule[EveryPrefix.Length..].Trim();
        var (duration, error) = GoDuration.Parse(text);
        if (duration is not { } delay)
        {
            return (null, $"failed to parse duration {schedule}: {error}");
        }

        delay = delay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : delay;
        return (TimeSpan.FromSeconds(Math.Floor(delay.TotalSeconds)), null);
    }

    /// <summary>The zone a <c>TZ=zone</c> / <c>CRON_TZ=zone</c> prefix names, or null without one.</summary>
    public static string? TimeZonePrefix(string? schedule)
    {
        var text = (schedule ?? string.Empty).Trim();
        foreach (var prefix in new[] { "TZ=", "CRON_TZ=" })
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                var space = text.IndexOfAny([' ', '\t']);
                return space < 0 ? text[prefix.Length..] : text[prefix.Length..space];
            }
        }

        return null;
    }

    private static string? CheckRange(string expr, (int Min, int Max, string[]? Names, int NameBase) bounds)
    {
        var rangeAndStep = expr.Split('/');
        var lowAndHigh = rangeAndStep[0].Split('-');
        int start, end;
        string? error;
        if (lowAndHigh[0] is "*" or "?")
        {
            start = bounds.Min;
            end = bounds.Max;
        }
        else
        {
            (start, error) = IntOrName(lowAndHigh[0], bounds);
            if (error is not null)
            {
                return error;
            }

            switch (lowAndHigh.Length)
            {
                case 1:
                    end = start;
                    break;
                case 2:
                    (end, error) = IntOrName(lowAndHigh[1], bounds);
                    if (error is not null)
                    {
                        return error;
                    }

                    break;
                default:
                    return $"too many hyphens: {expr}";
            }
        }

        var step = 1;
        switch (rangeAndStep.Length)
        {
            case 1:
                break;
            case 2:
                (step, error) = Int(rangeAndStep[1]);
                if (error is not null)
                {
                    return error;
                }

                // "N/step" means "N-max/step".
                if (lowAndHigh.Length == 1)
                {
                    end = bounds.Max;
                }

                break;
            default:
                return $"too many slashes: {expr}";
        }

        return start < bounds.Min ? Invariant($"beginning of range ({start}) below minimum ({bounds.Min}): {expr}")
            : end > bounds.Max ? Invariant($"end of range ({end}) above maximum ({bounds.Max}): {expr}")
            : start > end ? Invariant($"beginning of range ({start}) beyond end of range ({end}): {expr}")
            : step == 0 ? $"step of range should be a positive number: {expr}"
            : null;
    }

    private static (int Value, string? Error) IntOrName(string text, (int Min, int Max, string[]? Names, int NameBase) bounds)
    {
        if (bounds.Names is { } names)
        {
            var index = Array.IndexOf(names, text.ToLowerInvariant());
            if (index >= 0)
            {
                return (index + bounds.NameBase, null);
            }
        }

        return Int(text);
    }

    private static (int Value, string? Error) Int(string text)
    {
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            var reason = text.Length > 0 && text.TrimStart('+', '-').All(char.IsAsciiDigit) && text.TrimStart('+', '-').Length > 0 ? "value out of range" : "invalid syntax";
            return (0, $"failed to parse int from {text}: strconv.Atoi: parsing \"{text}\": {reason}");
        }

        return value < 0 ? (0, Invariant($"negative number ({value}) not allowed: {text}")) : (value, null);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
