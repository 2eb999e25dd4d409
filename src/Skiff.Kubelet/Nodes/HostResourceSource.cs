using System.Globalization;

namespace Skiff.Kubelet.Nodes;

/// <summary>
/// Reads the eviction signals from this machine: /proc/meminfo, the filesystems of the kubelet's root dir and of the
/// runtime's image store (statfs through <see cref="DriveInfo"/>), and the task count against the PID limit.
/// </summary>
public sealed class HostResourceSource(string nodeFsPath, string imageFsPath) : INodeResourceSource
{
    public NodeResourceSample Sample() => new(
        MemAvailableBytes(File.ReadLines("/proc/meminfo")),
        Filesystem(nodeFsPath),
        Filesystem(imageFsPath),
        TaskCount(File.ReadAllText("/proc/loadavg")),
        Math.Min(ReadLong("/proc/sys/kernel/pid_max"), ReadLong("/proc/sys/kernel/threads-max")));

    /// <summary>MemAvailable, the kernel's estimate of memory available without swapping, in bytes.</summary>
    public static long MemAvailableBytes(IEnumerable<string> meminfo)
    {
        ArgumentNullException.ThrowIfNull(meminfo);
        foreach (var line in meminfo)
        {
            if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                var kib = line["MemAvailable:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim();
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new IOException("/proc/meminfo has no MemAvailable line");
    }

    /// <summary>The number of tasks from /proc/loadavg ("0.20 0.18 0.12 1/80 11206": 80 tasks), the same count
    /// sysinfo(2)'s <c>procs</c> gives the real kubelet.</summary>
    public static long TaskCount(string loadavg)
    {
        ArgumentNullException.ThrowIfNull(loadavg);
        var fields = loadavg.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var slash = fields.Length > 3 ? fields[3].IndexOf('/', StringComparison.Ordinal) : -1;
        if (slash < 0 || !long.TryParse(fields[3][(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var tasks))
        {
            throw new IOException($"unexpected /proc/loadavg: '{loadavg.Trim()}'");
        }

        return tasks;
    }

    private static FilesystemSample Filesystem(string path)
    {
        var existing = path;
        while (!Directory.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing) ?? "/";
        }

        var drive = new DriveInfo(existing);
        return new FilesystemSample(drive.AvailableFreeSpace, drive.TotalSize);
    }

    private static long ReadLong(string path) =>
        long.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);
}
