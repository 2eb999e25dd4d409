using System.Globalization;

namespace Skiff.Bench.Proxy;

/// <summary>CPU time (user + system) of this process's children that have been waited for (cutime + cstime in
/// /proc/self/stat): the <c>nft</c> processes (and the <c>ip netns exec</c> around them) once they have exited.</summary>
internal static class ChildCpu
{
    // USER_HZ: the unit of the times in /proc, 100 on Linux.
    private const double TicksPerSecond = 100;

    /// <summary>User time (nft parsing and evaluating the text, building netlink messages) and system time (the
    /// kernel: netlink dumps for nft's cache, the transaction itself).</summary>
    public static (TimeSpan User, TimeSpan System) UserAndSystem()
    {
        var stat = File.ReadAllText("/proc/self/stat");

        // The fields after the command name's closing parenthesis start at field 3 (state); cutime is field 16.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var cutime = long.Parse(fields[13], CultureInfo.InvariantCulture);
        var cstime = long.Parse(fields[14], CultureInfo.InvariantCulture);
        return (TimeSpan.FromSeconds(cutime / TicksPerSecond), TimeSpan.FromSeconds(cstime / TicksPerSecond));
    }
}
