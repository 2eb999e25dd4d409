namespace Skiff.Images;

/// <summary>Lists, imports and removes images in one containerd namespace through the <c>ctr</c> client.</summary>
public sealed class ContainerdImageStore(string ctrBinary, string address, string containerdNamespace)
{
    /// <summary>Image reference → manifest digest, as <c>ctr images ls</c> reports them.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ListAsync(CancellationToken cancellationToken)
    {
        var output = await ExternalCommand.RunCheckedAsync(ctrBinary, ["-a", address, "-n", containerdNamespace, "images", "ls"], null, cancellationToken).ConfigureAwait(false);
        return ParseImageList(output);
    }

    internal static IReadOnlyDictionary<string, string> ParseImageList(string output)
    {
        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        // REF TYPE DIGEST SIZE PLATFORMS LABELS
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 3 && fields[2].StartsWith("sha256:", StringComparison.Ordinal))
            {
                images[fields[0]] = fields[2];
            }
        }

        return images;
    }

    /// <summary>Imports an OCI archive and unpacks it into the default snapshotter.</summary>
    public Task ImportAsync(string archivePath, CancellationToken cancellationToken) =>
        ExternalCommand.RunCheckedAsync(ctrBinary, ["-a", address, "-n", containerdNamespace, "images", "import", archivePath], null, cancellationToken);

    /// <summary>Imports the archive <paramref name="writeArchive"/> writes to ctr's stdin; returns ctr's output.</summary>
    public Task<string> ImportAsync(Func<Stream, CancellationToken, Task> writeArchive, CancellationToken cancellationToken) =>
        ExternalCommand.RunCheckedAsync(ctrBinary, ["-a", address, "-n", containerdNamespace, "images", "import", "-"], null, cancellationToken, writeArchive);

    /// <summary>Removes an image reference (its content is garbage-collected once no reference holds it).</summary>
    public Task RemoveAsync(string reference, CancellationToken cancellationToken) =>
        ExternalCommand.RunCheckedAsync(ctrBinary, ["-a", address, "-n", containerdNamespace, "images", "rm", reference], null, cancellationToken);
}
