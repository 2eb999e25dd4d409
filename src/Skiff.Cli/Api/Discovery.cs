using System.Text.Json.Nodes;

namespace Skiff.Cli.Api;

/// <summary>
/// Legacy discovery (<c>/api</c>, <c>/apis</c>, then each preferred group-version's resource list) and the
/// resolution of what users type (<c>po</c>, <c>pods</c>, <c>Pod</c>, <c>deploy.apps</c>) to a resource.
/// </summary>
public sealed class Discovery
{
    private readonly IReadOnlyList<ApiResource> _resources;

    public Discovery(IReadOnlyList<ApiResource> resources) => _resources = resources;

    /// <summary>Every resource (no subresources), core first, then groups in the server's order.</summary>
    public IReadOnlyList<ApiResource> Resources => _resources;

    public static async Task<Discovery> LoadAsync(ApiClient api, CancellationToken cancellationToken)
    {
        var core = await api.GetAsync("/api", ApiClient.JsonAccept, "", cancellationToken);
        var groups = await api.GetAsync("/apis", ApiClient.JsonAccept, "", cancellationToken);
        var groupVersions = new List<(string Group, string Version)>();
        foreach (var version in core["versions"]?.AsArray() ?? [])
        {
            groupVersions.Add((string.Empty, (string)version!));
        }

        foreach (var group in groups["groups"]?.AsArray() ?? [])
        {
            var name = (string?)group?["name"] ?? string.Empty;
            var preferred = (string?)group?["preferredVersion"]?["version"]
                ?? (string?)group?["versions"]?[0]?["version"];
            if (preferred is not null)
            {
                groupVersions.Add((name, preferred));
            }
        }

        var lists = await Task.WhenAll(groupVersions.Select(async gv =>
        {
            var path = gv.Group.Length == 0 ? $"/api/{gv.Version}" : $"/apis/{gv.Group}/{gv.Version}";
            var list = await api.GetAsync(path, ApiClient.JsonAccept, "", cancellationToken);
            return Parse(gv.Group, gv.Version, list);
        }));
        return new Discovery(lists.SelectMany(l => l).ToList());
    }

    internal static IEnumerable<ApiResource> Parse(string group, string version, JsonObject list)
    {
        foreach (var item in list["resources"]?.AsArray() ?? [])
        {
            var name = (string?)item?["name"];
            if (name is null || name.Contains('/', StringComparison.Ordinal))
            {
                continue;
            }

            var kind = (string?)item!["kind"] ?? string.Empty;
            var singular = (string?)item["singularName"];
            yield return new ApiResource(
                group,
                version,
                name,
                string.IsNullOrEmpty(singular) ? kind.ToLowerInvariant() : singular,
                kind,
                (bool?)item["namespaced"] ?? false,
                Strings(item["verbs"]),
                Strings(item["shortNames"]),
                Strings(item["categories"]));
        }
    }

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(n => (string?)n).OfType<string>().ToList() : [];

    /// <summary>Resolves a type as kubectl's REST mapper does, or throws kubectl's "doesn't have a resource type".</summary>
    public ApiResource Resolve(string typeName) =>
        TryResolve(typeName) ?? throw new CliException($"the server doesn't have a resource type \"{typeName}\"");

    public ApiResource? TryResolve(string typeName)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        var lower = typeName.ToLowerInvariant();
        var match = _resources.FirstOrDefault(r => Matches(r, lower));
        if (match is not null)
        {
            return match;
        }

        // "resource.group" or "resource.version.group"
        var dot = lower.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return null;
        }

        var resource = lower[..dot];
        var rest = lower[(dot + 1)..];
        return _resources.FirstOrDefault(r => Matches(r, resource) && (r.Group == rest || $"{r.Version}.{r.Group}" == rest));
    }

    /// <summary>Finds the resource for an object's apiVersion and kind (manifests).</summary>
    public ApiResource ForKind(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? string.Empty : apiVersion[..slash];
        return _resources.FirstOrDefault(r => r.Group == group && r.Kind == kind)
            ?? throw new CliException($"resource mapping not found for name: \"\" namespace: \"\" from \"\": no matches for kind \"{kind}\" in version \"{apiVersion}\"");
    }

    private static bool Matches(ApiResource r, string lower) =>
        r.Name == lower || r.SingularName == lower || r.Kind.Equals(lower, StringComparison.OrdinalIgnoreCase) || r.ShortNames.Contains(lower);
}
