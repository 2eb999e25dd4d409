namespace Skiff.Kubelet.Nodes;

/// <summary>One reading of the resources the kubelet's eviction signals look at.</summary>
/// <param name="MemoryAvailableBytes"><c>MemAvailable</c> of /proc/meminfo (signal <c>memory.available</c>).</param>
/// <param name="NodeFs">The filesystem of the kubelet's root dir (signal <c>nodefs.available</c>).</param>
/// <param name="ImageFs">The filesystem holding the runtime's images and container layers (<c>imagefs.available</c>).</param>
/// <param name="Processes">Tasks (processes and threads) that hold a PID right now.</param>
/// <param name="PidMax">How many PIDs the kernel hands out: min(<c>kernel.pid_max</c>, <c>kernel.threads-max</c>).</param>
public sealed record NodeResourceSample(
    long MemoryAvailableBytes, FilesystemSample NodeFs, FilesystemSample ImageFs, long Processes, long PidMax);

/// <summary>Free and total bytes of one filesystem (free as available to unprivileged users, like statfs' f_bavail).</summary>
public sealed record FilesystemSample(long AvailableBytes, long CapacityBytes);
