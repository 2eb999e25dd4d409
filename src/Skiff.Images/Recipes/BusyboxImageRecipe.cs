namespace Skiff.Images.Recipes;

/// <summary>
/// busybox from Debian's busybox-static: /bin/busybox plus a symlink for every one of its applets (shell, core
/// utilities, wget, nslookup, nc, ping, ps, top, vi...), a root home, and <c>sh</c> as the command, as the official image.
/// </summary>
public sealed class BusyboxImageRecipe : IImageRecipe
{
    public const string HostBinary = BusyboxApplets.HostBinary;

    public string Name => "busybox";

    public string Reference => WellKnownImages.Busybox;

    public int Revision => 1;

    public async Task<(Rootfs Rootfs, ImageConfig Config)> BuildAsync(string workDirectory, IProgress<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var rootfs = new Rootfs();
        await BusyboxApplets.AddAsync(rootfs, Name, workDirectory, progress, cancellationToken).ConfigureAwait(false);
        CommonFiles.AddBaseSystem(rootfs);
        rootfs.Directory("root", (UnixFileMode)0b111_000_000);
        rootfs.Directory("home");
        return (rootfs, new ImageConfig { Cmd = ["sh"] });
    }
}
