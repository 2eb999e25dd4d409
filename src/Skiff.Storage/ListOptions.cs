namespace Skiff.Storage;

/// <summary>How to list a prefix.</summary>
/// <param name="Revision">List the state as of this revision; null (or 0) means the current revision.</param>
/// <param name="Limit">At most this many items; 0 means no limit.</param>
/// <param name="Continue">
/// A token from a previous <see cref="ListResult.Continue"/>: resume after the last key returned, at the same revision
/// as the first page. When given, <paramref name="Revision"/> is ignored.
/// </param>
public sealed record ListOptions(long? Revision = null, int Limit = 0, string? Continue = null)
{
    /// <summary>Everything, at the current revision.</summary>
    public static ListOptions All { get; } = new();
}

/// <summary>One page of a list.</summary>
/// <param name="Items">The key-values, ordered by key.</param>
/// <param name="Revision">The revision of the snapshot the page was read at.</param>
/// <param name="Continue">A token for the next page, or null when this is the last one.</param>
/// <param name="RemainingCount">How many more keys follow this page in the same snapshot (0 on the last page).</param>
public sealed record ListResult(IReadOnlyList<KeyValue> Items, long Revision, string? Continue, long RemainingCount);
