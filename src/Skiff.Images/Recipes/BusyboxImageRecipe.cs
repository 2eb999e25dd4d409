namespace Skiff.Images.Recipes;

/// <summary>busybox from Debian's busybox-static: /bin/busybox plus a symlink for every applet.</summary>
public sealed class BusyboxImageRecipe : IImageRecipe
{
    public const string HostBinary = "/bin/busybox";

    public string Name => "busybox";

    public string Reference => WellKnownImages.Busybox;

    public int Revision => 1;

    public async Task<(Rootfs Rootfs, ImageConfig Config)> BuildAsync(string workDirectory, IProgress<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (!File.Exists(HostBinary))
        {
            throw new ImageBuildException($"{HostBinary} not found; apt-get install busybox-static.");
        }

        // A dynamically linked busybox would need the host's libc in the image; the static one runs anywhere.
        var fileOutput = await ExternalCommand.RunAsync("ldd", [HostBinary], workDirectory, cancellationToken).ConfigureAwait(false);
        if (fileOutput.ExitCode == 0 && !fileOutput.Stdout.Contains("not a dynamic executable", StringComparison.Ordinal))
        {
            throw new ImageBuildException($"{HostBinary} is dynamically linked; apt-get install busybox-static.");
        }

        progress.Report("busybox: collecting applets from " + HostBinary);
        var applets = await ExternalCommand.RunCheckedAsync(HostBinary, ["--list-full"], workDirectory, cancellationToken).ConfigureAwait(false);
        var rootfs = new Rootfs().FileFromHost("bin/busybox", HostBinary, Rootfs.ExecutableMode);
        foreach (var applet in applets.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (applet != "bin/busybox" && !rootfs.Contains(applet))
            {
                rootfs.Symlink(applet, "/bin/busybox");
            }
        }

        CommonFiles.AddBaseSystem(rootfs);
        rootfs.Directory("root", (UnixFileMode)0b111_000_000);
        rootfs.Directory("home");
        return (rootfs, new ImageConfig { Cmd = ["sh"] });
    }
}
