using System.Globalization;

namespace Skiff.Kubelet.Server.Stats;

/// <summary>
/// The node's own CPU, memory and root filesystem figures from the kernel (<c>/proc/stat</c>, <c>/proc/meminfo</c>,
/// <c>/proc/vmstat</c>), computed as cAdvisor does for the root container: working set = usage − inactive file
/// pages, available = capacity − working set. CPU cores in use come from the difference to the previous sample.
/// </summary>
public sealed class NodeStatsReader(TimeProvider time, string procRoot = "/proc")
{
    private readonly Lock _gate = new();
    private (ulong UsageNanoSeconds, long Timestamp)? _previous;

    /// <summary>When the machine booted (<c>btime</c>): upstream's node startTime is its root cgroup's creation.</summary>
    public DateTimeOffset BootTime()
    {
        var line = File.ReadLines(Path.Combine(procRoot, "stat")).First(l => l.StartsWith("btime ", StringComparison.Ordinal));
        return DateTimeOffset.FromUnixTimeSeconds(long.Parse(line[6..].Trim(), CultureInfo.InvariantCulture));
    }

    public CpuStats Cpu()
    {
        var now = time.GetUtcNow();
        var usage = CpuUsageNanoSeconds();
        var stamp = time.GetTimestamp();
        ulong? cores = null;
        lock (_gate)
        {
            if (_previous is { } p && usage >= p.UsageNanoSeconds && time.GetElapsedTime(p.Timestamp, stamp) is { TotalSeconds: > 0.05 } elapsed)
            {
                cores = (ulong)((usage - p.UsageNanoSeconds) / elapsed.TotalSeconds);
            }

            _previous = (usage, stamp);
        }

        return new CpuStats { Time = now, UsageCoreNanoSeconds = usage, UsageNanoCores = cores };
    }

    public MemoryStats Memory()
    {
        var info = Fields(Path.Combine(procRoot, "meminfo"), ':');
        ulong Kb(string key) => info.TryGetValue(key, out var v) ? v * 1024 : 0;
        var usage = Kb("MemTotal") - Kb("MemFree");
        var inactiveFile = Kb("Inactive(file)");
        var workingSet = usage > inactiveFile ? usage - inactiveFile : 0;
        var vm = Fields(Path.Combine(procRoot, "vmstat"), ' ');
        return new MemoryStats
        {
            Time = time.GetUtcNow(),
            UsageBytes = usage,
            WorkingSetBytes = workingSet,
            AvailableBytes = Kb("MemTotal") - workingSet,
            RssBytes = Kb("AnonPages"),
            PageFaults = vm.GetValueOrDefault("pgfault"),
            MajorPageFaults = vm.GetValueOrDefault("pgmajfault"),
        };
    }

    /// <summary>The filesystem holding <paramref name="path"/> (the kubelet's root directory: the nodefs).</summary>
    public FsStats Filesystem(string path)
    {
        var drive = new DriveInfo(Path.GetFullPath(path));
        return new FsStats
        {
            Time = time.GetUtcNow(),
            CapacityBytes = (ulong)drive.TotalSize,
            AvailableBytes = (ulong)drive.AvailableFreeSpace,
            UsedBytes = (ulong)(drive.TotalSize - drive.TotalFreeSpace),
        };
    }

    /// <summary>Busy CPU time of all cores (everything but idle and iowait), in nanoseconds.</summary>
    private ulong CpuUsageNanoSeconds()
    {
        // cpu  user nice system idle iowait irq softirq steal ... in USER_HZ (1/100 s).
        var line = File.ReadLines(Path.Combine(procRoot, "stat")).First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var ticks = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => ulong.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + (ticks.Length > 7 ? ticks[7] : 0);
        return busy * 10_000_000;
    }

    private static Dictionary<string, ulong> Fields(string file, char separator)
    {
        var fields = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(file))
        {
            var at = line.IndexOf(separator, StringComparison.Ordinal);
            if (at > 0 && ulong.TryParse(line[(at + 1)..].Trim().Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                fields[line[..at]] = value;
            }
        }

        return fields;
    }
}
