namespace Skiff.Hosting;

/// <summary>Where Skiff keeps its state when no --data-dir is given: /var/lib/skiff as root (like k3s), else ~/.skiff.</summary>
internal static class DataDirectory
{
    public static string Default =>
        Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root"
            ? "/var/lib/skiff"
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".skiff");
}
