namespace Skiff.Images.Recipes;

/// <summary>
/// Debian's busybox-static (<c>/bin/busybox</c>) and a symlink for each of its applets (sh, ls, ps, wget, nslookup,
/// nc, ping...), added to any image that needs a shell and core utilities.
/// </summary>
internal static class BusyboxApplets
{
    public const string HostBinary = "/bin/busybox";

    /// <summary>Adds /bin/busybox and its applet links, never replacing a path the image already has.</summary>
    public static async Task AddAsync(Rootfs rootfs, string imageName, string workDirectory, IProgress<string> progress, CancellationToken cancellationToken)
    {
        if (!File.Exists(HostBinary))
        {
            throw new ImageBuildException($"{HostBinary} not found; apt-get install busybox-static.");
        }

        // A dynamically linked busybox would need the host's libc in the image; the static one runs anywhere.
        var lddOutput = await ExternalCommand.RunAsync("ldd", [HostBinary], workDirectory, cancellationToken).ConfigureAwait(false);
        if (lddOutput.ExitCode == 0 && !lddOutput.Stdout.Contains("not a dynamic executable", StringComparison.Ordinal))
        {
            throw new ImageBuildException($"{HostBinary} is dynamically linked; apt-get install busybox-static.");
        }

        progress.Report($"{imageName}: collecting applets from {HostBinary}");
        var applets = await ExternalCommand.RunCheckedAsync(HostBinary, ["--list-full"], workDirectory, cancellationToken).ConfigureAwait(false);
        if (!rootfs.Contains("bin/busybox"))
        {
            rootfs.FileFromHost("bin/busybox", HostBinary, Rootfs.ExecutableMode);
        }

        foreach (var applet in applets.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (applet != "bin/busybox" && !rootfs.Contains(applet))
            {
                rootfs.Symlink(applet, "/bin/busybox");
            }
        }
    }
}
