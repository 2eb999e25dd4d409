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

    [SkippableFact]
    public async Task Busybox_has_the_network_applets()
    {
        RequireFile("/bin/busybox");
        var (rootfs, _) = await new BusyboxImageRecipe().BuildAsync(work, new Progress<string>(), CancellationToken.None);
        foreach (var applet in new[] { "usr/bin/wget", "usr/bin/nslookup", "bin/nc", "bin/ping", "bin/ps", "usr/bin/top", "bin/vi" })
        {
            Assert.Contains(rootfs.Entries, e => e.Path.EndsWith(applet[applet.LastIndexOf('/')..], StringComparison.Ordinal) && e.LinkTarget == "/bin/busybox");
        }
    }

    /// <summary>
    /// Builds nginx (apt-get download needs the Debian mirror), unpacks the layer and checks the result the way the
    /// official image is used: `sh` runs, `nginx -t` accepts the official layout, the default server is in conf.d.
    /// </summary>
    [SkippableFact]
    public async Task Nginx_has_a_shell_and_the_official_config_layout()
    {
        RequireFile("/bin/busybox");
        RequireTool("apt-get");
        RequireTool("chroot");
        RequireThat(Environment.UserName == "root", "chroot needs root");
        var recipe = new NginxImageRecipe();
        var (rootfs, config) = await recipe.BuildAsync(work, new Progress<string>(), CancellationToken.None);
        Assert.Equal(["nginx", "-g", "daemon off;"], config.Cmd);
        Assert.Null(config.Entrypoint);
        Assert.Equal("SIGQUIT", config.StopSignal);

        var archive = Path.Combine(work, "nginx.oci.tar");
        var digests = await OciArchiveWriter.WriteAsync(rootfs, config, recipe.Reference, archive, CancellationToken.None);
        var unpacked = Directory.CreateDirectory(Path.Combine(work, "unpacked")).FullName;
        await ExternalCommand.RunCheckedAsync("tar", ["-xf", archive, "blobs/sha256/" + digests.LayerDigest["sha256:".Length..]], work, CancellationToken.None);
        await ExternalCommand.RunCheckedAsync("tar", ["-xzf", Path.Combine(work, "blobs/sha256", digests.LayerDigest["sha256:".Length..]), "-C", unpacked], work, CancellationToken.None);

        var shell = await ExternalCommand.RunAsync("chroot", [unpacked, "/bin/sh", "-c", "test -e /etc/nginx/conf.d/default.conf && ls /usr/share/nginx/html && id nginx"], work, CancellationToken.None);
        Assert.True(shell.ExitCode == 0, shell.Stderr);
        Assert.Contains("50x.html", shell.Stdout, StringComparison.Ordinal);
        Assert.Contains("index.html", shell.Stdout, StringComparison.Ordinal);
        Assert.Contains("uid=101(nginx)", shell.Stdout, StringComparison.Ordinal);

        // nginx -t reads the configuration and checks the user and paths it names, as the container would at start.
        var check = await ExternalCommand.RunAsync("chroot", [unpacked, "/usr/sbin/nginx", "-t"], work, CancellationToken.None);
        Assert.True(check.ExitCode == 0, check.Stderr);
        Assert.Contains("/etc/nginx/nginx.conf test is successful", check.Stderr, StringComparison.Ordinal);
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
