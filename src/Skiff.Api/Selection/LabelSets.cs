namespace Skiff.Api.Selection;

/// <summary>Comparisons of whole label sets (an object's <c>metadata.labels</c>).</summary>
public static class LabelSets
{
    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> hold the same keys with the same values; no
    /// labels (null) equals an empty set.</summary>
    public static bool Equal(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0))
        {
            return false;
        }

        foreach (var (key, value) in a ?? new Dictionary<string, string>())
        {
            if (!b!.TryGetValue(key, out var other) || other != value)
            {
                return false;
            }
        }

        return true;
    }
}
