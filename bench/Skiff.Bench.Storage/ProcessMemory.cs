using System.Globalization;

namespace Skiff.Bench.Storage;

/// <summary>Peak resident set size (VmHWM) of a process, from /proc.</summary>
internal static class ProcessMemory
{
    public static long PeakRssBytes(string pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
