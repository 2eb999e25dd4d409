namespace Skiff.Containerd.Tests;

public sealed class PrerequisiteTests
{
    [Fact]
    public void Missing_binaries_are_named_with_the_package_to_install()
    {
        var options = new ContainerdOptions
        {
            StateDir = "/tmp/unused",
            ContainerdBinary = "/nonexistent/containerd",
            CniBinDir = "/nonexistent/cni",
        };
        var missing = RuntimePrerequisites.FindMissing(options);
        Assert.Contains(missing, m => m.Contains("/nonexistent/containerd", StringComparison.Ordinal) && m.Contains("apt-get install containerd", StringComparison.Ordinal));
        Assert.Contains(missing, m => m.Contains("'bridge'", StringComparison.Ordinal) && m.Contains("containernetworking-plugins", StringComparison.Ordinal));
        Assert.Contains(missing, m => m.Contains("'portmap'", StringComparison.Ordinal));
        var error = Assert.Throws<RuntimePrerequisiteException>(() => RuntimePrerequisites.EnsurePresent(options));
        Assert.StartsWith("Cannot run containers on this machine:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_reports_missing_binaries_before_starting_anything()
    {
        var stateDir = Path.Combine(Path.GetTempPath(), "skiff-prereq-" + Guid.NewGuid().ToString("N"));
        var options = new ContainerdOptions { StateDir = stateDir, ContainerdBinary = "/nonexistent/containerd" };
        await Assert.ThrowsAsync<RuntimePrerequisiteException>(() =>
            ContainerdHost.StartAsync(options, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None));
        Assert.False(Directory.Exists(stateDir));
    }

    [Fact]
    public void Executables_are_found_on_path_and_by_absolute_path()
    {
        Assert.Equal("/bin/sh", ExecutableLocator.Find("/bin/sh"));
        Assert.NotNull(ExecutableLocator.Find("sh"));
        Assert.Null(ExecutableLocator.Find("no-such-program-skiff"));
    }
}
