namespace Skiff.Apimachinery.Patching;

/// <summary>
/// How one field of a Kubernetes type merges, from upstream's Go struct tags: <c>patchStrategy</c>
/// (<c>merge</c>, <c>retainKeys</c>, or both) and <c>patchMergeKey</c>. A list field without an entry here is atomic
/// (a patch replaces it); a list with <see cref="Merge"/> and no <see cref="MergeKey"/> is a set of primitives.
/// </summary>
public sealed record FieldStrategy(bool Merge, string? MergeKey, bool RetainKeys)
{
    /// <summary>For server-side apply: the keys that identify a list element (<c>+listMapKey</c>); the merge key when not given.</summary>
    public IReadOnlyList<string> ListMapKeys { get; init; } = MergeKey is null ? [] : [MergeKey];

    public static FieldStrategy MergeBy(string key) => new(true, key, false);

    public static FieldStrategy MergeBy(string key, params string[] listMapKeys) => new(true, key, false) { ListMapKeys = listMapKeys };

    public static FieldStrategy MergeRetainKeysBy(string key) => new(true, key, true);

    public static FieldStrategy PrimitiveSet { get; } = new(true, null, false);

    public static FieldStrategy RetainKeysOnly { get; } = new(false, null, true);
}
