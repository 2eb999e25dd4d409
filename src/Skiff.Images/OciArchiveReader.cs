using System.Formats.Tar;
using System.Text.Json.Nodes;

namespace Skiff.Images;

/// <summary>Reads back what <see cref="OciArchiveWriter"/> wrote, to reuse a cached archive without rebuilding it.</summary>
public static class OciArchiveReader
{
    /// <summary>The digest of the first manifest listed in the archive's index.json.</summary>
    public static async Task<string> ReadManifestDigestAsync(string archivePath, CancellationToken cancellationToken)
    {
        var file = File.OpenRead(archivePath);
        await using (file.ConfigureAwait(false))
        {
            var tar = new TarReader(file);
            await using (tar.ConfigureAwait(false))
            {
                while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    if (entry.Name is "index.json" or "./index.json" && entry.DataStream is not null)
                    {
                        var index = await JsonNode.ParseAsync(entry.DataStream, cancellationToken: cancellationToken).ConfigureAwait(false);
                        return index?["manifests"]?[0]?["digest"]?.GetValue<string>()
                            ?? throw new InvalidDataException($"{archivePath}: index.json lists no manifest.");
                    }
                }
            }
        }

        throw new InvalidDataException($"{archivePath} has no index.json; not an OCI image archive.");
    }
}
