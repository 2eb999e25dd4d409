using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Skiff.Kubelet.Nodes;

/// <summary>Facts about the machine that go into the Node's status. Read once from /proc, /etc and the NICs.</summary>
public sealed record HostInfo
{
    public required string Hostname { get; init; }

    public required string InternalIp { get; init; }

    public required int CpuCount { get; init; }

    public required long MemoryBytes { get; init; }

    public required long EphemeralStorageBytes { get; init; }

    public required string KernelVersion { get; init; }

    public required string OsImage { get; init; }

    public required string MachineId { get; init; }

    public required string BootId { get; init; }

    public required string SystemUuid { get; init; }

    /// <summary>Reads the facts of this machine; <paramref name="storageDir"/> decides which filesystem counts as
    /// ephemeral storage and <paramref name="nodeIp"/> overrides the detected address.</summary>
    public static HostInfo Detect(string storageDir, string? nodeIp)
    {
        return new HostInfo
        {
            Hostname = Environment.MachineName.ToLowerInvariant(),
            InternalIp = string.IsNullOrEmpty(nodeIp) ? PrimaryIpv4() : nodeIp,
            CpuCount = Environment.ProcessorCount,
            MemoryBytes = MemTotalBytes(),
            EphemeralStorageBytes = FilesystemSize(storageDir),
            KernelVersion = ReadTrimmed("/proc/sys/kernel/osrelease", "unknown"),
            OsImage = OsPrettyName(),
            MachineId = ReadTrimmed("/etc/machine-id", ""),
            BootId = ReadTrimmed("/proc/sys/kernel/random/boot_id", ""),
            SystemUuid = ReadTrimmed("/sys/class/dmi/id/product_uuid", ""),
        };
    }

    /// <summary>The IPv4 address of the interface that carries the default route, as the kubelet picks it; only the
    /// routing table and NIC list are read, no packet is sent.</summary>
    private static string PrimaryIpv4()
    {
        var defaultInterface = DefaultRouteInterface();
        string? fallback = null;
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
            {
                continue;
            }

            var address = nic.GetIPProperties().UnicastAddresses
                .Select(a => a.Address)
                .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
            if (address is null)
            {
                continue;
            }

            if (nic.Name == defaultInterface)
            {
                return address.ToString();
            }

            fallback ??= address.ToString();
        }

        return fallback ?? "127.0.0.1";
    }

    private static string? DefaultRouteInterface()
    {
        try
        {
            // /proc/net/route: Iface Destination Gateway ...; the default route has destination 00000000.
            foreach (var line in File.ReadLines("/proc/net/route").Skip(1))
            {
                var fields = line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (fields.Length > 1 && fields[1] == "00000000")
                {
                    return fields[0];
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    private static long MemTotalBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    var kib = line["MemTotal:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim();
                    return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    private static long FilesystemSize(string directory)
    {
        var existing = directory;
        while (!Directory.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing) ?? "/";
        }

        return new DriveInfo(existing).TotalSize;
    }

    private static string OsPrettyName()
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/os-release"))
            {
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                {
                    return line["PRETTY_NAME=".Length..].Trim('"');
                }
            }
        }
        catch (IOException)
        {
        }

        return "Linux";
    }

    private static string ReadTrimmed(string path, string fallback)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return fallback;
        }
    }
}
