using System.Text.Json.Nodes;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// Kubernetes' strategic merge patch (<c>application/strategic-merge-patch+json</c>) on built-in kinds. Maps merge
/// like JSON merge patch (null deletes); lists merge by their patch merge key or as sets of primitives when
/// <see cref="PatchStrategyTable"/> says so and are replaced otherwise. Directives: <c>$patch: replace|delete|merge</c>
/// in maps and list elements, <c>$retainKeys</c>, <c>$setElementOrder/&lt;list&gt;</c>,
/// <c>$deleteFromPrimitiveList/&lt;list&gt;</c>. Errors follow upstream's mapping: malformed directives are 400,
/// content that contradicts <c>$retainKeys</c> is 422.
/// </summary>
public static class StrategicMergePatch
{
    private const string PatchDirective = "$patch";
    private const string RetainKeysDirective = "$retainKeys";
    private const string SetElementOrderPrefix = "$setElementOrder/";
    private const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";

    /// <summary>Applies <paramref name="patch"/> to a copy of <paramref name="original"/>, whose root is a <paramref name="modelType"/> (e.g. <c>V1Pod</c>).</summary>
    public static JsonObject Apply(JsonObject original, JsonObject patch, Type modelType)
    {
        ArgumentNullException.ThrowIfNull(modelType);
        var result = MergeMap((JsonObject)original.DeepClone(), patch, Schema.ForStruct(modelType));
        return result ?? throw PatchException.BadRequest("a strategic merge patch cannot delete the whole object");
    }

    /// <summary>Merges <paramref name="patch"/> into <paramref name="original"/> (mutated); null means "delete this map".</summary>
    private static JsonObject? MergeMap(JsonObject original, JsonObject patch, Schema schema)
    {
        switch (DirectiveOf(patch))
        {
            case "replace":
                return WithoutDirective(patch);
            case "delete":
                return null;
        }

        if (patch.TryGetPropertyValue(RetainKeysDirective, out var retainKeys))
        {
            RetainKeys(original, patch, retainKeys);
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
            {
                DeleteFromPrimitiveList(original, key[DeleteFromPrimitiveListPrefix.Length..], value);
            }
        }

        var orders = new List<(string Field, JsonArray Order, JsonArray? Before)>();
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                var field = key[SetElementOrderPrefix.Length..];
                var order = value as JsonArray ??
                    throw PatchException.BadRequest("invalid patch: $setElementOrder list must be a list");
                orders.Add((field, order, original[field]?.DeepClone() as JsonArray));
            }
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith('$'))
            {
                continue;
            }

            MergeField(original, key, value, schema);
        }

        foreach (var (field, order, before) in orders)
        {
            if (original[field] is JsonArray merged)
            {
                original[field] = ElementOrder.Apply(merged, order, before, schema.Child(field).Strategy?.MergeKey);
            }
        }

        return original;
    }

    private static void MergeField(JsonObject original, string key, JsonNode? value, Schema schema)
    {
        if (value is null)
        {
            original.Remove(key);
            return;
        }

        var child = schema.Child(key);
        original.TryGetPropertyValue(key, out var existing);
        switch (value)
        {
            case JsonObject patchMap:
                var merged = MergeMap(existing as JsonObject is { } map ? Detach(original, key, map) : [], patchMap, child);
                if (merged is null)
                {
                    original.Remove(key);
                }
                else
                {
                    original[key] = merged;
                }

                break;
            case JsonArray patchList when child.Strategy is { Merge: true } strategy:
                original[key] = MergeList(existing as JsonArray is { } list ? Detach(original, key, list) : [], patchList, strategy, child);
                break;
            default:
                original[key] = value.DeepClone();
                break;
        }
    }

    private static JsonArray MergeList(JsonArray original, JsonArray patch, FieldStrategy strategy, Schema elementSchema)
    {
        if (patch.Any(item => item is JsonObject map && DirectiveOf(map) == "replace"))
        {
            return new JsonArray(patch
                .Where(item => !(item is JsonObject map && DirectiveOf(map) == "replace"))
                .Select(item => item?.DeepClone())
                .ToArray());
        }

        if (strategy.MergeKey is null)
        {
            foreach (var item in patch)
            {
                if (item is JsonObject or JsonArray)
                {
                    throw PatchException.BadRequest("invalid patch: a list with merge strategy and no merge key must hold primitives");
                }

                if (!original.Any(existing => JsonNode.DeepEquals(existing, item)))
                {
                    original.Add(item?.DeepClone());
                }
            }

            return original;
        }

        foreach (var item in patch)
        {
            if (item is not JsonObject patchElement)
            {
                throw PatchException.BadRequest($"invalid patch: list elements of a list merged by {strategy.MergeKey} must be maps");
            }

            var keyValue = patchElement[strategy.MergeKey] ??
                throw PatchException.BadRequest($"map: {patchElement.ToJsonString()} does not contain declared merge key: {strategy.MergeKey}");
            if (DirectiveOf(patchElement) == "delete")
            {
                for (var i = original.Count - 1; i >= 0; i--)
                {
                    if (original[i] is JsonObject candidate && JsonNode.DeepEquals(candidate[strategy.MergeKey], keyValue))
                    {
                        original.RemoveAt(i);
                    }
                }

                continue;
            }

            var index = IndexOfKey(original, strategy.MergeKey, keyValue);
            if (index >= 0)
            {
                var existing = (JsonObject)original[index]!;
                original[index] = null;
                var merged = MergeMap(existing, patchElement, elementSchema);
                if (merged is null)
                {
                    original.RemoveAt(index);
                }
                else
                {
                    original[index] = merged;
                }
            }
            else if (MergeMap([], patchElement, elementSchema) is { } added)
            {
                original.Add(added);
            }
        }

        return original;
    }

    private static int IndexOfKey(JsonArray list, string mergeKey, JsonNode keyValue)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is JsonObject candidate && JsonNode.DeepEquals(candidate[mergeKey], keyValue))
            {
                return i;
            }
        }

        return -1;
    }

    private static void RetainKeys(JsonObject original, JsonObject patch, JsonNode? retainKeys)
    {
        if (retainKeys is not JsonArray list || list.Any(k => k is not JsonValue v || !v.TryGetValue<string>(out _)))
        {
            throw PatchException.BadRequest("invalid patch: $retainKeys must be a list of strings");
        }

        var keep = list.Select(k => k!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            if (!key.StartsWith('$') && value is not null && !keep.Contains(key))
            {
                throw PatchException.Unprocessable("The patch content doesn't match retainKeys list");
            }
        }

        foreach (var key in original.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
        {
            original.Remove(key);
        }
    }

    private static void DeleteFromPrimitiveList(JsonObject original, string field, JsonNode? values)
    {
        if (values is not JsonArray toDelete || toDelete.Any(v => v is JsonObject or JsonArray))
        {
            throw PatchException.BadRequest("invalid patch: $deleteFromPrimitiveList must be a list of primitives");
        }

        if (original[field] is not JsonArray list)
        {
            return;
        }

        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (toDelete.Any(v => JsonNode.DeepEquals(v, list[i])))
            {
                list.RemoveAt(i);
            }
        }
    }

    private static string? DirectiveOf(JsonObject map)
    {
        if (!map.TryGetPropertyValue(PatchDirective, out var node))
        {
            return null;
        }

        var directive = node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node?.ToJsonString();
        return directive switch
        {
            "replace" or "delete" or "merge" => directive,
            _ => throw PatchException.BadRequest($"Unknown patch type: {directive} in map: {map.ToJsonString()}"),
        };
    }

    private static JsonObject WithoutDirective(JsonObject patch)
    {
        var copy = (JsonObject)patch.DeepClone();
        copy.Remove(PatchDirective);
        return copy;
    }

    // Takes a child out of its parent so it can be mutated and re-attached without cloning.
    private static T Detach<T>(JsonObject parent, string key, T child)
        where T : JsonNode
    {
        parent[key] = null;
        return child;
    }
}
