namespace Skiff.EndToEnd.Tests;

/// <summary>
/// Checks for a real part a test needs (root, containerd, kubectl, the shared acceptance scripts). Locally a missing
/// part makes the fixture unavailable with a reason; under CI (<c>CI=true</c>) it is a failure, never a skip.
/// </summary>
internal static class Prerequisite
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    /// <summary>The reasons the end-to-end cluster cannot run on this machine (empty when it can).</summary>
    public static IReadOnlyList<string> MissingForCluster()
    {
        var missing = new List<string>();
        if (Environment.UserName != "root")
        {
            missing.Add("must run as root (containerd, CNI bridge)");
        }

        foreach (var program in new[] { "containerd", "runc", "ctr", "kubectl", "curl", "jq", "gcc", "python3" })
        {
            if (FindOnPath(program) is null)
            {
                missing.Add($"'{program}' not on PATH (run scripts/prereqs.sh)");
            }
        }

        if (!File.Exists("/usr/lib/cni/bridge"))
        {
            missing.Add("CNI plugins missing in /usr/lib/cni (apt-get install containernetworking-plugins)");
        }

        return missing;
    }
}
