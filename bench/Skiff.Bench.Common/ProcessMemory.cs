using System.Globalization;

namespace Skiff.Bench.Common;

/// <summary>Resident set size of a process, from /proc ("self" for this one).</summary>
public static class ProcessMemory
{
    /// <summary>The peak resident set size (VmHWM).</summary>
    public static long PeakRssBytes(string pid) => Read(pid, "VmHWM:");

    /// <summary>The resident set size now (VmRSS).</summary>
    public static long RssBytes(string pid) => Read(pid, "VmRSS:");

    private static long Read(string pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var kb = line[field.Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
