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
}
