using System.CommandLine;
using Skiff.Hosting;
using Skiff.Images;

namespace Skiff.Commands;

/// <summary>
/// <c>skiff images</c>: builds the local images (pause, busybox, nginx) from the host's Debian packages as OCI
/// archives, and imports them into a containerd when given its socket. No registry is involved.
/// </summary>
internal static class ImagesCommand
{
    public static Command Create()
    {
        var cacheDir = new Option<string>("--cache-dir") { Description = "Where the built OCI archives are kept.", DefaultValueFactory = _ => Path.Combine(DataDirectory.Default, "images") };
        var address = new Option<string?>("--containerd-address") { Description = "containerd socket to import into (namespace k8s.io); without it the archives are only built." };
        var command = new Command("images", "Build the local pause, busybox and nginx images from Debian packages and import them into containerd.")
        {
            cacheDir, address,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var shutdown = new ShutdownSignal(cancellationToken);
            var progress = new Progress<string>(Console.Error.WriteLine);
            var results = await ImageBuilder.EnsureImagesAsync(
                new ImageBuildOptions { CacheDir = Path.GetFullPath(parse.GetValue(cacheDir)!), ContainerdAddress = parse.GetValue(address) },
                progress,
                shutdown.Token);
            foreach (var result in results)
            {
                Console.WriteLine($"{result.Reference}\t{result.ManifestDigest}\t{result.ArchivePath}");
            }

            return 0;
        });
        return command;
    }
}
