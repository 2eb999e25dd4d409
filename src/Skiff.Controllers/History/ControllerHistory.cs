using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Api.Json;
using Skiff.Controllers.Deployments;

namespace Skiff.Controllers.History;

/// <summary>
/// ControllerRevisions as upstream's pkg/controller/history and the DaemonSet/StatefulSet getPatch write them: the
/// data is a strategic merge patch <c>{"spec":{"template":{"$patch":"replace",...}}}</c> that restores the template
/// (what <c>kubectl rollout undo</c> sends back), keys sorted as Go's json.Marshal writes a map.
/// </summary>
public static class ControllerHistory
{
    /// <summary>upstream's ControllerRevisionHashLabel (on StatefulSet revisions).</summary>
    public const string HashLabel = "controller.kubernetes.io/hash";

    /// <summary>Revisions kept by default (apps/v1 revisionHistoryLimit).</summary>
    public const int DefaultHistoryLimit = 10;

    /// <summary>The revision data for a template: a patch that replaces <c>spec.template</c>, byte for byte what Go's
    /// json.Marshal writes (kubectl compares it with its own to skip a rollback to the current template).</summary>
    public static string TemplatePatch(V1PodTemplateSpec? template)
    {
        var node = template is null ? new JsonObject() : JsonNode.Parse(ModelJson.Serialize(template))!.AsObject();
        AddGoZeroValues(node);
        node["$patch"] = "replace";
        return GoJson.Compact(new JsonObject { ["spec"] = new JsonObject { ["template"] = node } }, GoNumbers.Float64);
    }

    /// <summary>Go writes struct-typed fields even when empty: the template's <c>metadata.creationTimestamp: null</c>,
    /// its <c>spec</c>, and every container's <c>resources: {}</c>.</summary>
    private static void AddGoZeroValues(JsonObject template)
    {
        var metadata = template["metadata"] as JsonObject ?? new JsonObject();
        template["metadata"] = metadata;
        if (!metadata.ContainsKey("creationTimestamp"))
        {
            metadata["creationTimestamp"] = null;
        }

        var spec = template["spec"] as JsonObject ?? new JsonObject();
        template["spec"] = spec;
        spec.TryAdd("containers", new JsonArray());
        foreach (var list in new[] { "initContainers", "containers", "ephemeralContainers" })
        {
            foreach (var container in (spec[list] as JsonArray ?? []).OfType<JsonObject>())
            {
                container.TryAdd("resources", new JsonObject());
            }
        }
    }

    /// <summary>A revision's data as canonical JSON (compared with <see cref="TemplatePatch"/>).</summary>
    public static string DataOf(V1ControllerRevision revision)
    {
        ArgumentNullException.ThrowIfNull(revision);
        return revision.Data switch
        {
            null => "null",
            JsonElement element => GoJson.Compact(JsonNode.Parse(element.GetRawText()), GoNumbers.Float64),
            JsonNode node => GoJson.Compact(node, GoNumbers.Float64),
            string text => GoJson.Compact(JsonNode.Parse(text), GoNumbers.Float64),
            var other => GoJson.Compact(JsonNode.Parse(JsonSerializer.Serialize(other, other.GetType(), ModelJson.Options)), GoNumbers.Float64),
        };
    }

    /// <summary>The pod template a revision restores (upstream's ApplyRevision, which replaces the template).</summary>
    public static V1PodTemplateSpec TemplateOf(V1ControllerRevision revision)
    {
        var data = JsonNode.Parse(DataOf(revision));
        if (data?["spec"]?["template"] is not JsonObject template)
        {
            return new V1PodTemplateSpec();
        }

        template.Remove("$patch");
        if (template["metadata"] is JsonObject metadata && metadata["creationTimestamp"] is null)
        {
            metadata.Remove("creationTimestamp");
        }

        return ModelJson.Deserialize<V1PodTemplateSpec>(Encoding.UTF8.GetBytes(template.ToJsonString()));
    }

    /// <summary>upstream's HashControllerRevision: FNV-1 (32 bit) over the data and the collision count, safe-encoded.</summary>
    public static string Hash(string data, int? collisionCount)
    {
        ArgumentNullException.ThrowIfNull(data);
        var bytes = Encoding.UTF8.GetBytes(data + (collisionCount is { } c ? c.ToString(CultureInfo.InvariantCulture) : string.Empty));
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash *= 16777619u;
            hash ^= b;
        }

        return DeploymentUtil.SafeEncode(hash.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>upstream's ControllerRevisionName: <c>prefix-hash</c>, the prefix cut to 223 characters.</summary>
    public static string Name(string prefix, string hash)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return $"{(prefix.Length > 223 ? prefix[..223] : prefix)}-{hash}";
    }

    /// <summary>A new revision owned by <paramref name="owner"/> (upstream's NewControllerRevision): template labels,
    /// the data, the revision number.</summary>
    public static V1ControllerRevision New(
        V1ObjectMeta parent, V1OwnerReference owner, IDictionary<string, string>? labels, IDictionary<string, string>? annotations, string data, long revision)
    {
        ArgumentNullException.ThrowIfNull(parent);
        return new V1ControllerRevision
        {
            ApiVersion = "apps/v1",
            Kind = "ControllerRevision",
            Metadata = new V1ObjectMeta
            {
                NamespaceProperty = parent.NamespaceProperty,
                Labels = labels is null ? [] : new Dictionary<string, string>(labels),
                Annotations = annotations is { Count: > 0 } ? new Dictionary<string, string>(annotations) : null,
                OwnerReferences = [owner],
            },
            Data = JsonDocument.Parse(data).RootElement.Clone(),
            Revision = revision,
        };
    }

    /// <summary>By revision, then creation time, then name (upstream's byRevision).</summary>
    public static List<V1ControllerRevision> Sorted(IEnumerable<V1ControllerRevision> revisions) =>
        revisions.OrderBy(r => r.Revision ?? 0)
            .ThenBy(r => r.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(r => r.Metadata.Name, StringComparer.Ordinal)
            .ToList();

    public static long MaxRevision(IEnumerable<V1ControllerRevision> revisions) => revisions.Select(r => r.Revision ?? 0).DefaultIfEmpty(0).Max();

    /// <summary>A label's value, or null.</summary>
    public static string? Label(V1ObjectMeta? meta, string key) =>
        meta?.Labels is { } labels && labels.TryGetValue(key, out var value) ? value : null;
}
