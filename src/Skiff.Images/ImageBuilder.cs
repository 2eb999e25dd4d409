using System.Diagnostics;
using System.Globalization;
using Skiff.Images.Recipes;

namespace Skiff.Images;

/// <summary>
/// Makes sure the images Skiff needs without a registry exist: builds each as an OCI archive from the host's
/// packages (cached under <see cref="ImageBuildOptions.CacheDir"/>) and imports it into containerd unless containerd
/// already has that exact manifest under the reference.
/// </summary>
public static class ImageBuilder
{
    public static async Task<IReadOnlyList<ImageBuildResult>> EnsureImagesAsync(ImageBuildOptions options, IProgress<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        Directory.CreateDirectory(options.CacheDir);
        var store = options.ContainerdAddress is null ? null : new ContainerdImageStore(options.CtrBinary, options.ContainerdAddress, options.Namespace);
        var present = store is null
            ? new Dictionary<string, string>()
            : await store.ListAsync(cancellationToken).ConfigureAwait(false);

        var results = new List<ImageBuildResult>();
        foreach (var recipe in options.Recipes)
        {
            var stopwatch = Stopwatch.StartNew();
            var (archive, digest, built) = await EnsureArchiveAsync(recipe, options.CacheDir, progress, cancellationToken).ConfigureAwait(false);
            var imported = false;
            if (store is not null)
            {
                if (present.TryGetValue(recipe.Reference, out var existing) && existing == digest)
                {
                    progress.Report($"{recipe.Name}: {recipe.Reference} already in containerd ({Short(digest)})");
                }
                else
                {
                    progress.Report($"{recipe.Name}: importing {recipe.Reference} into containerd namespace {options.Namespace}");
                    await store.ImportAsync(archive, cancellationToken).ConfigureAwait(false);
                    imported = true;
                }
            }

            progress.Report($"{recipe.Name}: ready in {stopwatch.ElapsedMilliseconds.ToString(CultureInfo.InvariantCulture)} ms");
            results.Add(new ImageBuildResult(recipe.Reference, archive, digest, built, imported, stopwatch.Elapsed));
        }

        return results;
    }

    /// <summary>Path of the cached archive of a recipe.</summary>
    public static string ArchivePath(string cacheDir, IImageRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        return Path.Combine(cacheDir, $"{recipe.Name}-r{recipe.Revision.ToString(CultureInfo.InvariantCulture)}.oci.tar");
    }

    private static async Task<(string Archive, string Digest, bool Built)> EnsureArchiveAsync(IImageRecipe recipe, string cacheDir, IProgress<string> progress, CancellationToken cancellationToken)
    {
        var archive = ArchivePath(cacheDir, recipe);
        if (File.Exists(archive))
        {
            try
            {
                var cached = await OciArchiveReader.ReadManifestDigestAsync(archive, cancellationToken).ConfigureAwait(false);
                progress.Report($"{recipe.Name}: using cached {archive}");
                return (archive, cached, false);
            }
            catch (InvalidDataException e)
            {
                progress.Report($"{recipe.Name}: cached archive unreadable ({e.Message}); rebuilding");
            }
        }

        var work = Path.Combine(cacheDir, $"work-{recipe.Name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            progress.Report($"{recipe.Name}: building {recipe.Reference}");
            var (rootfs, config) = await recipe.BuildAsync(work, progress, cancellationToken).ConfigureAwait(false);
            progress.Report($"{recipe.Name}: writing OCI archive ({rootfs.Count.ToString(CultureInfo.InvariantCulture)} entries)");
            var digests = await OciArchiveWriter.WriteAsync(rootfs, config, recipe.Reference, archive, cancellationToken).ConfigureAwait(false);
            progress.Report($"{recipe.Name}: {Short(digests.ManifestDigest)}, layer {(digests.LayerSize / 1024.0).ToString("0", CultureInfo.InvariantCulture)} KiB");
            return (archive, digests.ManifestDigest, true);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Short(string digest) => digest.Length > 19 ? digest[..19] : digest;
}
