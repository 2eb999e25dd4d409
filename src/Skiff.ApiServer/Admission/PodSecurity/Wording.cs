namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>The phrasing helpers upstream's checks share.</summary>
internal static class Wording
{
    public static string Pluralize(string singular, string plural, int count) => count == 1 ? singular : plural;

    /// <summary><c>"a", "b"</c>: each item quoted as Go's %q does.</summary>
    public static string JoinQuote(IEnumerable<string> items) => string.Join(", ", items.Select(Quote));

    public static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary><c>container "a"</c> or <c>containers "a", "b"</c>.</summary>
    public static string Containers(IReadOnlyCollection<string> names) => $"{Pluralize("container", "containers", names.Count)} {JoinQuote(names)}";

    /// <summary>A sorted, de-duplicated list, as Go's sets.String.List().</summary>
    public static List<string> SortedSet(IEnumerable<string> items) => [.. items.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
