namespace Skiff.Images;

/// <summary>
/// Removes an image as <c>crictl rmi</c> does: the reference is normalised, then every reference containerd holds
/// to the same manifest (other tags, CRI's repo digests and its <c>sha256:</c> id reference) is removed too.
/// </summary>
public static class ImageRemoval
{
    public static async Task<IReadOnlyList<string>> RemoveAsync(ContainerdImageStore store, string reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var images = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var key = images.ContainsKey(reference) ? reference : ImageReference.Normalize(reference);
        if (!images.TryGetValue(key, out var digest))
        {
            return [];
        }

        var removed = new List<string>();
        foreach (var name in images.Where(i => i.Value == digest).Select(i => i.Key).Order(StringComparer.Ordinal))
        {
            await store.RemoveAsync(name, cancellationToken).ConfigureAwait(false);
            removed.Add(name);
        }

        return removed;
    }
}
