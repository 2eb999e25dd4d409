using System.Formats.Tar;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace Skiff.Images;

/// <summary>
/// Imports image archives into containerd through <c>ctr images import</c> reading stdin: <c>docker save</c>
/// archives and OCI image archives, plain or gzip-compressed (decompressed here), and OCI image layout directories
/// (streamed as a tar). Progress of large files goes to the given <see cref="IProgress{T}"/>.
/// </summary>
public sealed partial class ImageImporter(ContainerdImageStore store, TimeProvider time)
{
    /// <summary>Imports one archive or layout; returns the references containerd now has from it.</summary>
    public async Task<IReadOnlyList<string>> ImportAsync(string path, IProgress<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(progress);
        var label = Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
        string output;
        if (Directory.Exists(path))
        {
            if (!File.Exists(Path.Combine(path, "oci-layout")))
            {
                throw new ImageBuildException($"{path} is a directory without an oci-layout file: not an OCI image layout.");
            }

            progress.Report($"{label}: importing the OCI layout");
            output = await store.ImportAsync(
                (input, ct) => TarFile.CreateFromDirectoryAsync(path, input, includeBaseDirectory: false, ct),
                cancellationToken).ConfigureAwait(false);
        }
        else if (File.Exists(path))
        {
            output = await ImportFileAsync(path, label, progress, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw new FileNotFoundException($"{path} does not exist.", path);
        }

        var references = ImportedReferences(output);
        if (references.Count == 0)
        {
            throw new ImageBuildException($"{path} holds no named image (a docker save archive needs a tag, an OCI index the annotation org.opencontainers.image.ref.name or io.containerd.image.name).");
        }

        foreach (var reference in references)
        {
            progress.Report($"{label}: imported {reference}");
        }

        return references;
    }

    /// <summary>The references in <c>ctr images import</c>'s "unpacking REF (sha256:...)...done" lines.</summary>
    internal static IReadOnlyList<string> ImportedReferences(string ctrOutput) =>
        [.. UnpackingLine().Matches(ctrOutput).Select(match => match.Groups["ref"].Value).Distinct(StringComparer.Ordinal)];

    private async Task<string> ImportFileAsync(string path, string label, IProgress<string> progress, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        var header = new byte[2];
        var headerLength = await file.ReadAtLeastAsync(header, 2, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        file.Position = 0;
        var gzip = headerLength == 2 && header[0] == 0x1f && header[1] == 0x8b;
        progress.Report($"{label}: importing {(gzip ? "a gzip-compressed" : "an")} archive of {file.Length / 1_000_000.0:0.0} MB");
        using var counted = new ProgressReadStream(file, file.Length, label, progress, time);
        var output = await store.ImportAsync(
            async (input, ct) =>
            {
                if (gzip)
                {
                    using var decompressed = new GZipStream(counted, CompressionMode.Decompress, leaveOpen: true);
                    await decompressed.CopyToAsync(input, 1 << 20, ct).ConfigureAwait(false);
                }
                else
                {
                    await counted.CopyToAsync(input, 1 << 20, ct).ConfigureAwait(false);
                }
            },
            cancellationToken).ConfigureAwait(false);
        counted.ReportDone();
        return output;
    }

    [GeneratedRegex(@"^unpacking (?<ref>\S+) \(sha256:[0-9a-f]+\)", RegexOptions.Multiline)]
    private static partial Regex UnpackingLine();
}
