using System.Globalization;

namespace Skiff.Bench.PodStartup;

/// <summary>The 1-minute load average from /proc/loadavg: the machine's 2 cores are shared with other builds.</summary>
internal static class LoadAverage
{
    public static double OneMinute() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
}
