using System.Globalization;

namespace Skiff.Kubelet.Pods;

/// <summary>Formats a duration as Go's <c>time.Duration.String()</c> does ("10s", "1m20s", "5m0s"), because
/// Kubernetes' messages (e.g. "back-off 20s restarting failed container") carry that form.</summary>
public static class GoDuration
{
    public static string Format(TimeSpan duration)
    {
        var totalSeconds = (long)duration.TotalSeconds;
        var hours = totalSeconds / 3600;
        var minutes = totalSeconds % 3600 / 60;
        var seconds = totalSeconds % 60;
        if (hours > 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{hours}h{minutes}m{seconds}s");
        }

        return minutes > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{minutes}m{seconds}s")
            : string.Create(CultureInfo.InvariantCulture, $"{seconds}s");
    }

    /// <summary>Go's <c>time.Duration.String()</c> of the duration truncated to milliseconds ("512ms", "1.234s",
    /// "1m2.5s"), as the kubelet's pull events print it.</summary>
    public static string FormatPrecise(TimeSpan duration)
    {
        var ms = (long)duration.TotalMilliseconds;
        if (ms <= 0)
        {
            return "0s";
        }

        if (ms < 1000)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{ms}ms");
        }

        var hours = ms / 3_600_000;
        var minutes = ms % 3_600_000 / 60_000;
        var seconds = ms % 60_000 / 1000;
        var fraction = ms % 1000;
        var secondsText = fraction == 0
            ? seconds.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{seconds}.{fraction:000}").TrimEnd('0');
        if (hours > 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{hours}h{minutes}m{secondsText}s");
        }

        return minutes > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{minutes}m{secondsText}s")
            : $"{secondsText}s";
    }
}
