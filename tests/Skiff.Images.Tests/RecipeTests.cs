using Skiff.Images.Recipes;

namespace Skiff.Images.Tests;

/// <summary>Builds the real recipes from this host's tools and packages (no containerd needed).</summary>
public sealed class RecipeTests : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("skiff-recipe-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    [SkippableFact]
    public async Task Pause_is_a_static_binary_run_as_65535()
    {
        RequireTool("gcc");
        var (rootfs, config) = await new PauseImageRecipe().BuildAsync(work, new Progress<string>(), CancellationToken.None);
        var pause = Assert.Single(rootfs.Entries);
        Assert.Equal("pause", pause.Path);
        Assert.Equal(["/pause"], config.Entrypoint);
        Assert.Equal("65535:65535", config.User);
        var bytes = await File.ReadAllBytesAsync(pause.HostPath!);
        Assert.Equal("\u007fELF"u8.ToArray(), bytes[..4]);
    }

    [SkippableFact]
    public async Task Busybox_has_a_shell_and_applet_links()
    {
        RequireFile("/bin/busybox");
        var (rootfs, config) = await new BusyboxImageRecipe().BuildAsync(work, new Progress<string>(), CancellationToken.None);
        Assert.Equal(["sh"], config.Cmd);
        Assert.Contains(rootfs.Entries, e => e.Path == "bin/sh" && e.Kind == RootfsEntryKind.Symlink && e.LinkTarget == "/bin/busybox");
        Assert.Contains(rootfs.Entries, e => e.Path == "bin/busybox" && e.Kind == RootfsEntryKind.File);
        Assert.Contains(rootfs.Entries, e => e.Path == "etc/passwd");
    }

    private static void RequireTool(string tool)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(d => File.Exists(Path.Combine(d, tool)));
        RequireThat(found, $"'{tool}' is not installed");
    }

    private static void RequireFile(string path) => RequireThat(File.Exists(path), $"{path} does not exist");

    private static void RequireThat(bool present, string reason)
    {
        if (!present && Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(reason + " (CI=true: this must not be skipped)");
        }

        Skip.IfNot(present, reason);
    }
}

public sealed class NginxRecipeErrorTests
{
    [Fact]
    public void Missing_package_lists_point_at_apt_get_update()
    {
        var message = NginxImageRecipe.ExplainDownloadFailure("E: Unable to locate package nginx\n");
        Assert.Contains("E: Unable to locate package nginx", message, StringComparison.Ordinal);
        Assert.Contains("run 'apt-get update' once", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_download_failures_point_at_the_mirror()
    {
        var message = NginxImageRecipe.ExplainDownloadFailure("E: Failed to fetch http://deb.debian.org/... Temporary failure resolving\n");
        Assert.Contains("Debian mirror is reachable", message, StringComparison.Ordinal);
    }
}
