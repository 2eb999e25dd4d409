using System.Text.Json;

namespace Skiff.ApiServer.Discovery;

/// <summary>
/// The body of <c>/version</c>. The minor version matters: the kubectl dispatcher installed on these machines picks
/// the kubectl binary from it, so it reports the Kubernetes version whose API Skiff serves.
/// </summary>
public static class VersionInfo
{
    public const string Major = "1";
    public const string Minor = "32";
    public const string GitVersion = "v1.32.0-skiff";

    public static byte[] Json { get; } = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
    {
        ["major"] = Major,
        ["minor"] = Minor,
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "dotnet" + Environment.Version,
        ["compiler"] = "dotnet",
        ["platform"] = (OperatingSystem.IsLinux() ? "linux/" : "unknown/") +
            System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant().Replace("x64", "amd64", StringComparison.Ordinal),
    });
}
