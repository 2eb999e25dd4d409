using System.Text.Json.Nodes;

namespace Skiff.Cli.Manifests;

/// <summary>
/// Client-side apply's three-way patch: fields the last applied configuration had and the new one drops are
/// deleted (null), fields the new configuration sets differently from the live object are set. For built-in
/// kinds (strategic merge patch) lists with a patch merge key (<c>containers</c> by <c>name</c>, ...) are
/// patched element by element with <c>$setElementOrder</c> and <c>$patch: delete</c>; other lists are replaced.
/// </summary>
public static class ThreeWayPatch
{
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["volumeMounts"] = "mountPath",
        ["volumeDevices"] = "devicePath",
        ["volumes"] = "name",
        ["imagePullSecrets"] = "name",
        ["ownerReferences"] = "uid",
        ["conditions"] = "type",
        ["hostAliases"] = "ip",
        ["topologySpreadConstraints"] = "topologyKey",
        ["resourceClaims"] = "name",
        ["schedulingGates"] = "name",
    };

    private static readonly HashSet<string> ContainerLists = new(StringComparer.Ordinal) { "containers", "initContainers", "ephemeralContainers" };

    /// <param name="original">The last applied configuration (null when the object has none).</param>
    /// <param name="modified">The new configuration (with its new last-applied annotation).</param>
    /// <param name="current">The live object.</param>
    /// <param name="strategic">Strategic merge patch (built-in kinds) or JSON merge patch (custom resources).</param>
    public static JsonObject Create(JsonObject? original, JsonObject modified, JsonObject current, bool strategic)
    {
        ArgumentNullException.ThrowIfNull(modified);
        ArgumentNullException.ThrowIfNull(current);
        var kind = (string?)modified["kind"];
        return Diff(original, modified, current, strategic, new Context(kind, InContainer: false));
    }

    private sealed record Context(string? Kind, bool InContainer);

    private static JsonObject Diff(JsonObject? original, JsonObject modified, JsonObject current, bool strategic, Context context)
    {
        var patch = new JsonObject();
        foreach (var (key, modifiedValue) in modified)
        {
            if (!current.TryGetPropertyValue(key, out var currentValue))
            {
                patch[key] = modifiedValue?.DeepClone();
                continue;
            }

            var originalValue = original?[key];
            if (modifiedValue is JsonObject modifiedObject && currentValue is JsonObject currentObject)
            {
                var child = Diff(originalValue as JsonObject, modifiedObject, currentObject, strategic, context);
                if (child.Count > 0)
                {
                    patch[key] = child;
                }
            }
            else if (modifiedValue is JsonArray modifiedList && currentValue is JsonArray currentList)
            {
                var mergeKey = strategic ? MergeKeyFor(key, context) : null;
                if (mergeKey is not null && modifiedList.All(i => i is JsonObject o && o[mergeKey] is not null) && currentList.All(i => i is JsonObject))
                {
                    var childContext = context with { InContainer = ContainerLists.Contains(key) };
                    var items = ListDiff(originalValue as JsonArray, modifiedList, currentList, mergeKey, childContext);
                    if (items.Count > 0)
                    {
                        patch[key] = items;
                        patch["$setElementOrder/" + key] = new JsonArray([.. modifiedList.Select(i => (JsonNode)new JsonObject { [mergeKey] = i![mergeKey]!.DeepClone() })]);
                    }
                }
                else if (!JsonNode.DeepEquals(modifiedList, currentList))
                {
                    patch[key] = modifiedList.DeepClone();
                }
            }
            else if (!JsonNode.DeepEquals(modifiedValue, currentValue))
            {
                patch[key] = modifiedValue?.DeepClone();
            }
        }

        if (original is not null)
        {
            foreach (var (key, _) in original)
            {
                if (!modified.ContainsKey(key) && current.ContainsKey(key))
                {
                    patch[key] = null;
                }
            }
        }

        return patch;
    }

    private static JsonArray ListDiff(JsonArray? original, JsonArray modified, JsonArray current, string mergeKey, Context context)
    {
        var items = new JsonArray();
        foreach (var item in modified.OfType<JsonObject>())
        {
            var id = item[mergeKey];
            var live = current.OfType<JsonObject>().FirstOrDefault(c => JsonNode.DeepEquals(c[mergeKey], id));
            if (live is null)
            {
                items.Add(item.DeepClone());
                continue;
            }

            var last = original?.OfType<JsonObject>().FirstOrDefault(o => JsonNode.DeepEquals(o[mergeKey], id));
            var child = Diff(last, item, live, strategic: true, context);
            if (child.Count > 0)
            {
                child[mergeKey] = id!.DeepClone();
                items.Add(child);
            }
        }

        foreach (var removed in original?.OfType<JsonObject>() ?? [])
        {
            var id = removed[mergeKey];
            var stillWanted = modified.OfType<JsonObject>().Any(m => JsonNode.DeepEquals(m[mergeKey], id));
            var stillLive = current.OfType<JsonObject>().Any(c => JsonNode.DeepEquals(c[mergeKey], id));
            if (!stillWanted && stillLive)
            {
                items.Add(new JsonObject { [mergeKey] = id?.DeepClone(), ["$patch"] = "delete" });
            }
        }

        return items;
    }

    private static string? MergeKeyFor(string field, Context context) => field switch
    {
        "ports" when context.InContainer => "containerPort",
        "ports" when context.Kind == "Service" => "port",
        _ => MergeKeys.GetValueOrDefault(field),
    };
}
