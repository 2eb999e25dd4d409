namespace Skiff.Apimachinery;

/// <summary>A served group-version, e.g. <c>("", "v1")</c> or <c>("apps", "v1")</c>.</summary>
public sealed record GroupVersion(string Group, string Version)
{
    /// <summary><c>v1</c> for core, <c>apps/v1</c> otherwise (the <c>apiVersion</c> of its objects).</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The URL path of the group-version without leading slash: <c>api/v1</c> or <c>apis/apps/v1</c>.</summary>
    public string PathSegment => Group.Length == 0 ? $"api/{Version}" : $"apis/{Group}/{Version}";

    public override string ToString() => ApiVersion;
}

/// <summary>
/// The table of served resources the API server is driven by: lookups by group/version/plural (URLs), by kind
/// (decoded bodies), and by the names kubectl users type (plural, singular, short name, <c>plural.group</c>).
/// </summary>
public sealed class ResourceCatalog
{
    private readonly Dictionary<(string Group, string Version, string Plural), ResourceDefinition> _byResource = [];
    private readonly Dictionary<(string Group, string Version, string Kind), ResourceDefinition> _byKind = [];

    /// <param name="definitions">In discovery order: core first, then groups in the order they should be listed.</param>
    public ResourceCatalog(IEnumerable<ResourceDefinition> definitions)
    {
        var all = new List<ResourceDefinition>();
        var groupVersions = new List<GroupVersion>();
        foreach (var definition in definitions)
        {
            if (!_byResource.TryAdd((definition.Group, definition.Version, definition.Plural), definition))
            {
                throw new ArgumentException($"Resource {definition.Plural} is defined twice in {definition.ApiVersion}.", nameof(definitions));
            }

            // events.k8s.io and core both serve "Event", but each group-version has one definition per kind.
            _byKind.TryAdd((definition.Group, definition.Version, definition.Kind), definition);
            all.Add(definition);
            var groupVersion = new GroupVersion(definition.Group, definition.Version);
            if (!groupVersions.Contains(groupVersion))
            {
                groupVersions.Add(groupVersion);
            }
        }

        All = all;
        GroupVersions = groupVersions;
    }

    /// <summary>Every resource, core first.</summary>
    public IReadOnlyList<ResourceDefinition> All { get; }

    /// <summary>Every served group-version in discovery order (core <c>v1</c> first).</summary>
    public IReadOnlyList<GroupVersion> GroupVersions { get; }

    /// <summary>The named API groups (core excluded), in discovery order.</summary>
    public IReadOnlyList<string> Groups => GroupVersions.Where(gv => gv.Group.Length > 0).Select(gv => gv.Group).Distinct().ToList();

    /// <summary>The definitions of one group-version, in discovery order.</summary>
    public IReadOnlyList<ResourceDefinition> InGroupVersion(string group, string version) =>
        All.Where(d => d.Group == group && d.Version == version).ToList();

    /// <summary>The resource behind a URL such as <c>/apis/apps/v1/namespaces/x/deployments</c>.</summary>
    public ResourceDefinition? Find(string group, string version, string plural) =>
        _byResource.GetValueOrDefault((group, version, plural));

    /// <summary>The resource serving a kind in a group-version, e.g. <c>("apps", "v1", "Deployment")</c>.</summary>
    public ResourceDefinition? FindByKind(string group, string version, string kind) =>
        _byKind.GetValueOrDefault((group, version, kind));

    /// <summary>The resource serving an object's <c>apiVersion</c> and <c>kind</c>, e.g. <c>("apps/v1", "Deployment")</c>.</summary>
    public ResourceDefinition? FindByApiVersionKind(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0
            ? FindByKind(string.Empty, apiVersion, kind)
            : FindByKind(apiVersion[..slash], apiVersion[(slash + 1)..], kind);
    }

    /// <summary>
    /// Resolves what a user types: a plural (<c>pods</c>), singular (<c>pod</c>), short name (<c>po</c>), kind
    /// (<c>Pod</c>, any case) or any of these qualified by group (<c>deployments.apps</c>, <c>deploy.apps</c>).
    /// When several groups match (<c>events</c>), the first in discovery order wins, as in kubectl (core first).
    /// </summary>
    public ResourceDefinition? Resolve(string name)
    {
        var lower = name.ToLowerInvariant();
        foreach (var definition in All)
        {
            if (Matches(definition, lower))
            {
                return definition;
            }
        }

        var dot = lower.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var resource = lower[..dot];
            var group = lower[(dot + 1)..];
            return All.FirstOrDefault(d => d.Group == group && Matches(d, resource));
        }

        return null;
    }

    /// <summary>Resources in a category, e.g. <c>all</c> (what <c>kubectl get all</c> lists).</summary>
    public IReadOnlyList<ResourceDefinition> InCategory(string category) =>
        All.Where(d => d.Categories.Contains(category, StringComparer.Ordinal)).ToList();

    /// <summary>The resources of Kubernetes Skiff serves, with their real names, short names, categories and
    /// storage prefixes.</summary>
    public static ResourceCatalog CreateBuiltIn() => new(BuiltInResources.Create());

    private static bool Matches(ResourceDefinition definition, string lower) =>
        definition.Plural == lower
        || definition.Singular == lower
        || definition.Kind.Equals(lower, StringComparison.OrdinalIgnoreCase)
        || definition.ShortNames.Contains(lower, StringComparer.Ordinal);
}
