using System.Globalization;

namespace Skiff.Bench.Common;

/// <summary>CPU time a process has used (user + system), from /proc/PID/stat. Per-request CPU cost is steadier than
/// throughput on a shared 2-core machine, where other work takes cores away.</summary>
public static class ProcessCpu
{
    // USER_HZ: the unit of utime/stime in /proc, 100 on Linux.
    private const double TicksPerSecond = 100;

    /// <summary>User plus system CPU time used so far.</summary>
    public static TimeSpan Total(string pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");

        // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds((utime + stime) / TicksPerSecond);
    }
}
