using Skiff.Apimachinery;

namespace Skiff.ApiServer.Registry;

/// <summary>The served resources, looked up by URL (group, version, plural) and by storage key.</summary>
public sealed class ResourceIndex
{
    private readonly Dictionary<(string Group, string Version, string Plural), ResourceDefinition> _byUrl = [];
    private readonly Dictionary<(string Group, string Kind), ResourceDefinition> _byKind = [];

    public ResourceIndex(IEnumerable<ResourceDefinition> definitions)
    {
        All = definitions.ToList();
        foreach (var def in All)
        {
            if (def.Stored && (string.IsNullOrEmpty(def.StoragePrefix) || !def.StoragePrefix.EndsWith('/')))
            {
                throw new ArgumentException($"resource {def.Plural} has no storage prefix ending in '/'", nameof(definitions));
            }

            _byUrl[(def.Group, def.Version, def.Plural)] = def;
            _byKind.TryAdd((def.Group, def.Kind), def);
        }

        // Several versions of a resource share one storage prefix; one watch cache serves them all.
        StorageResources = All.Where(d => d.Stored).GroupBy(d => d.StoragePrefix, StringComparer.Ordinal)
            .Select(g => g.FirstOrDefault(d => d.StorageConversion is null) ?? g.First()).ToList();
    }

    public IReadOnlyList<ResourceDefinition> All { get; }

    /// <summary>One definition per storage prefix.</summary>
    public IReadOnlyList<ResourceDefinition> StorageResources { get; }

    public ResourceDefinition? Find(string group, string version, string plural) =>
        _byUrl.GetValueOrDefault((group, version, plural));

    /// <summary>The first (preferred) version of a resource, whatever its version.</summary>
    public ResourceDefinition? FindAnyVersion(string group, string plural) => All.FirstOrDefault(d => d.Group == group && d.Plural == plural);

    public ResourceDefinition? FindKind(string group, string kind) => _byKind.GetValueOrDefault((group, kind));

    public bool ServesGroupVersion(string group, string version) => All.Any(d => d.Group == group && d.Version == version);

    /// <summary>Groups in the order of first appearance, each with its versions (preferred first).</summary>
    public IReadOnlyList<(string Group, IReadOnlyList<string> Versions)> Groups() =>
        All.GroupBy(d => d.Group)
            .Select(g => (g.Key, (IReadOnlyList<string>)g.Select(d => d.Version).Distinct().ToList()))
            .ToList();
}
