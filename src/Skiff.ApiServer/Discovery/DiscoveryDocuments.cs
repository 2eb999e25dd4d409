using System.Text.Json;
using Skiff.Apimachinery;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Discovery;

/// <summary>
/// Legacy discovery (<c>/api</c>, <c>/apis</c>, <c>/api/v1</c>, <c>/apis/{g}</c>, <c>/apis/{g}/{v}</c>) and aggregated
/// discovery (<c>apidiscovery.k8s.io/v2</c>), all rendered once from the resource table.
/// </summary>
public sealed class DiscoveryDocuments
{
    private readonly ResourceIndex _index;
    private readonly Dictionary<string, byte[]> _groupVersion = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _group = new(StringComparer.Ordinal);

    public DiscoveryDocuments(ResourceIndex index)
    {
        _index = index;
        LegacyCore = Write(w =>
        {
            w.WriteString("kind", "APIVersions");
            w.WriteStartArray("versions");
            foreach (var version in index.Groups().Where(g => g.Group.Length == 0).SelectMany(g => g.Versions))
            {
                w.WriteStringValue(version);
            }

            w.WriteEndArray();
            w.WriteStartArray("serverAddressByClientCIDRs");
            w.WriteEndArray();
        });
        LegacyGroups = Write(w =>
        {
            w.WriteString("kind", "APIGroupList");
            w.WriteString("apiVersion", "v1");
            w.WriteStartArray("groups");
            foreach (var (group, versions) in index.Groups().Where(g => g.Group.Length > 0))
            {
                w.WriteStartObject();
                WriteGroupBody(w, group, versions);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
        foreach (var (group, versions) in index.Groups())
        {
            if (group.Length > 0)
            {
                _group[group] = Write(w =>
                {
                    w.WriteString("kind", "APIGroup");
                    w.WriteString("apiVersion", "v1");
                    WriteGroupBody(w, group, versions);
                });
            }

            foreach (var version in versions)
            {
                _groupVersion[GroupVersion(group, version)] = WriteResourceList(group, version);
            }
        }

        AggregatedCore = WriteAggregated(core: true);
        AggregatedGroups = WriteAggregated(core: false);
    }

    public byte[] LegacyCore { get; }

    public byte[] LegacyGroups { get; }

    public byte[] AggregatedCore { get; }

    public byte[] AggregatedGroups { get; }

    public byte[]? Group(string group) => _group.GetValueOrDefault(group);

    public byte[]? ResourceList(string group, string version) => _groupVersion.GetValueOrDefault(GroupVersion(group, version));

    /// <summary>Rewrites the aggregated document for the v2beta1 version the client asked for (same shape).</summary>
    public static byte[] ForVersion(byte[] aggregatedV2, string version) =>
        version == "v2" ? aggregatedV2 : System.Text.Encoding.UTF8.GetBytes(
            System.Text.Encoding.UTF8.GetString(aggregatedV2).Replace("apidiscovery.k8s.io/v2\"", "apidiscovery.k8s.io/v2beta1\"", StringComparison.Ordinal));

    private static string GroupVersion(string group, string version) => group.Length == 0 ? version : group + "/" + version;

    private static void WriteGroupBody(Utf8JsonWriter w, string group, IReadOnlyList<string> versions)
    {
        w.WriteString("name", group);
        w.WriteStartArray("versions");
        foreach (var version in versions)
        {
            w.WriteStartObject();
            w.WriteString("groupVersion", GroupVersion(group, version));
            w.WriteString("version", version);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("preferredVersion");
        w.WriteString("groupVersion", GroupVersion(group, versions[0]));
        w.WriteString("version", versions[0]);
        w.WriteEndObject();
    }

    private byte[] WriteResourceList(string group, string version) => Write(w =>
    {
        w.WriteString("kind", "APIResourceList");
        w.WriteString("apiVersion", "v1");
        w.WriteString("groupVersion", GroupVersion(group, version));
        w.WriteStartArray("resources");
        foreach (var def in _index.All.Where(d => d.Group == group && d.Version == version))
        {
            w.WriteStartObject();
            w.WriteString("name", def.Plural);
            w.WriteString("singularName", def.Singular);
            w.WriteBoolean("namespaced", def.Namespaced);
            w.WriteString("kind", def.Kind);
            WriteStrings(w, "verbs", def.Verbs);
            if (def.ShortNames.Count > 0)
            {
                WriteStrings(w, "shortNames", def.ShortNames);
            }

            if (def.Categories.Count > 0)
            {
                WriteStrings(w, "categories", def.Categories);
            }

            w.WriteEndObject();
            foreach (var sub in def.Subresources)
            {
                w.WriteStartObject();
                w.WriteString("name", def.Plural + "/" + sub.Name);
                w.WriteString("singularName", string.Empty);
                w.WriteBoolean("namespaced", def.Namespaced);
                if (sub.Group is not null)
                {
                    w.WriteString("group", sub.Group);
                }

                if (sub.Version is not null)
                {
                    w.WriteString("version", sub.Version);
                }

                w.WriteString("kind", sub.Kind);
                WriteStrings(w, "verbs", sub.Verbs);
                w.WriteEndObject();
            }
        }

        w.WriteEndArray();
    });

    private byte[] WriteAggregated(bool core) => Write(w =>
    {
        w.WriteString("kind", "APIGroupDiscoveryList");
        w.WriteString("apiVersion", "apidiscovery.k8s.io/v2");
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteStartArray("items");
        foreach (var (group, versions) in _index.Groups().Where(g => (g.Group.Length == 0) == core))
        {
            w.WriteStartObject();
            w.WriteStartObject("metadata");
            w.WriteString("name", group);
            w.WriteEndObject();
            w.WriteStartArray("versions");
            foreach (var version in versions)
            {
                w.WriteStartObject();
                w.WriteString("version", version);
                w.WriteStartArray("resources");
                foreach (var def in _index.All.Where(d => d.Group == group && d.Version == version))
                {
                    WriteAggregatedResource(w, def);
                }

                w.WriteEndArray();
                w.WriteString("freshness", "Current");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    });

    private static void WriteAggregatedResource(Utf8JsonWriter w, ResourceDefinition def)
    {
        w.WriteStartObject();
        w.WriteString("resource", def.Plural);
        WriteKind(w, "responseKind", def.Group, def.Version, def.Kind);
        w.WriteString("scope", def.Namespaced ? "Namespaced" : "Cluster");
        w.WriteString("singularResource", def.Singular);
        WriteStrings(w, "verbs", def.Verbs);
        if (def.ShortNames.Count > 0)
        {
            WriteStrings(w, "shortNames", def.ShortNames);
        }

        if (def.Categories.Count > 0)
        {
            WriteStrings(w, "categories", def.Categories);
        }

        if (def.Subresources.Count > 0)
        {
            w.WriteStartArray("subresources");
            foreach (var sub in def.Subresources)
            {
                w.WriteStartObject();
                w.WriteString("subresource", sub.Name);
                WriteKind(w, "responseKind", sub.Group ?? def.Group, sub.Version ?? def.Version, sub.Kind);
                WriteStrings(w, "verbs", sub.Verbs);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static void WriteKind(Utf8JsonWriter w, string property, string group, string version, string kind)
    {
        w.WriteStartObject(property);
        w.WriteString("group", group);
        w.WriteString("version", version);
        w.WriteString("kind", kind);
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string property, IEnumerable<string> values)
    {
        w.WriteStartArray(property);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
