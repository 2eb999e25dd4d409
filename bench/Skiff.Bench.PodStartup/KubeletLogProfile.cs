using System.Globalization;
using System.Text.RegularExpressions;
using Skiff.Containerd;

namespace Skiff.Bench.PodStartup;

/// <summary>
/// Where the kubelet spent a round, from the timestamps of its own log lines ("started sandbox of pod ...",
/// "started container ... of pod ..."), relative to each pod's create request. Together with the watch times this
/// splits create → Ready into: reaching the kubelet + RunPodSandbox, container start, and status write + watch.
/// </summary>
internal static partial class KubeletLogProfile
{
    public static (Percentiles? SandboxStarted, Percentiles? ContainerStarted) Read(string logPath, KubeletRoundResult round)
    {
        var sandbox = new List<double>();
        var container = new List<double>();
        using var stream = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            var match = Line().Match(line);
            if (!match.Success || !round.Times.TryGetValue(match.Groups["pod"].Value, out var times))
            {
                continue;
            }

            var at = DateTime.Parse(match.Groups["time"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            var sinceCreate = (at - round.StartedAtUtc).TotalMilliseconds - times.CreateSent;
            (match.Groups["what"].Value == "sandbox" ? sandbox : container).Add(sinceCreate);
        }

        return (sandbox.Count > 0 ? Percentiles.Of(sandbox) : null, container.Count > 0 ? Percentiles.Of(container) : null);
    }

    [GeneratedRegex(@"^(?<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z) .*started (?<what>sandbox|container \S+) of pod default/(?<pod>\S+)")]
    private static partial Regex Line();
}
