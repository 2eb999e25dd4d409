namespace Skiff.Images;

/// <summary>
/// k3s's air-gap folder: every image archive in <c>&lt;data-dir&gt;/agent/images/</c> (<c>.tar</c>, <c>.tar.gz</c>,
/// <c>.tgz</c>, or an OCI layout directory) is imported when the node starts, in name order. A file that cannot be
/// imported is reported and the others still are.
/// </summary>
public static class AirGapImages
{
    public static bool IsArchiveName(string fileName) =>
        fileName.EndsWith(".tar", StringComparison.OrdinalIgnoreCase)
        || fileName.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase)
        || fileName.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

    /// <summary>Imports the folder's archives; returns the references imported. A missing folder is created empty.</summary>
    public static async Task<IReadOnlyList<string>> ImportAllAsync(string folder, ImageImporter importer, IProgress<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(importer);
        ArgumentNullException.ThrowIfNull(progress);
        Directory.CreateDirectory(folder);
        var candidates = Directory.EnumerateFiles(folder).Where(file => IsArchiveName(Path.GetFileName(file)))
            .Concat(Directory.EnumerateDirectories(folder).Where(directory => File.Exists(Path.Combine(directory, "oci-layout"))))
            .Order(StringComparer.Ordinal)
            .ToList();
        var imported = new List<string>();
        foreach (var candidate in candidates)
        {
            try
            {
                imported.AddRange(await importer.ImportAsync(candidate, progress, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is ImageBuildException or IOException or InvalidDataException or UnauthorizedAccessException)
            {
                progress.Report($"{Path.GetFileName(candidate)}: not imported: {e.Message}");
            }
        }

        return imported;
    }
}
