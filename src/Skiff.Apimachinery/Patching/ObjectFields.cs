using System.Text.Json.Nodes;
using k8s.Models;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// Reads the field set of an object and finds or removes the value at a path, using the same schema as strategic
/// merge patch: lists with list-map keys are associative (one path per element, <c>k:</c>), merge lists of primitives
/// are sets (<c>v:</c>), other lists are atomic. Identity and server-owned metadata are never tracked.
/// </summary>
internal static class ObjectFields
{
    private static readonly HashSet<string> UntrackedMetadata =
        ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
         "deletionGracePeriodSeconds", "managedFields", "selfLink"];

    // Go structs marked +structType=atomic that kubectl users meet: owned as a whole.
    private static readonly HashSet<Type> AtomicStructs = [typeof(V1LabelSelector)];

    /// <summary>The paths an object sets. <paramref name="statusOnly"/> tracks only <c>status</c> (the status subresource); otherwise <c>status</c> is left out.</summary>
    public static FieldSet Of(JsonObject obj, Type? modelType, bool statusOnly = false)
    {
        var set = new FieldSet();
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind" || value is null || (key == "status") != statusOnly)
            {
                continue;
            }

            var path = FieldPath.Root.Append(PathElement.Field(key));
            var schema = Schema.ForStruct(modelType).Child(key);
            if (key == "metadata" && value is JsonObject metadata)
            {
                var tracked = new JsonObject();
                foreach (var (name, item) in metadata)
                {
                    if (!UntrackedMetadata.Contains(name))
                    {
                        tracked[name] = item?.DeepClone();
                    }
                }

                Walk(tracked, schema, path, set);
                continue;
            }

            AddValue(value, schema, path, set, ModelSchema.Field(modelType, key).Shape);
        }

        return set;
    }

    private static void Walk(JsonObject obj, Schema schema, FieldPath path, FieldSet set)
    {
        foreach (var (key, value) in obj)
        {
            if (value is null)
            {
                continue;
            }

            var shape = schema.MapValueType is not null ? FieldShape.Struct : ModelSchema.Field(schema.StructType, key).Shape;
            AddValue(value, schema.Child(key), path.Append(PathElement.Field(key)), set, shape);
        }
    }

    private static void AddValue(JsonNode value, Schema schema, FieldPath path, FieldSet set, FieldShape shape)
    {
        switch (value)
        {
            case JsonObject obj when obj.Count == 0 || (schema.StructType is { } type && AtomicStructs.Contains(type)):
                set.Add(path);
                break;
            case JsonObject obj:
                if (shape == FieldShape.Map)
                {
                    set.Add(path);
                }

                Walk(obj, schema, path, set);
                break;
            case JsonArray list when IsAssociative(list, schema.Strategy, out var keys):
                foreach (var item in list.Cast<JsonObject>())
                {
                    var itemPath = path.Append(PathElement.KeyOf(item, keys));
                    set.Add(itemPath);
                    Walk(item, schema, itemPath, set);
                }

                break;
            case JsonArray list when schema.Strategy is { Merge: true, MergeKey: null }:
                set.Add(path);
                foreach (var item in list)
                {
                    set.Add(path.Append(PathElement.ValueOf(item)));
                }

                break;
            default:
                set.Add(path);
                break;
        }
    }

    public static bool IsAssociative(JsonArray list, FieldStrategy? strategy, out IReadOnlyList<string> keys)
    {
        keys = strategy?.ListMapKeys ?? [];
        var mergeKey = strategy?.MergeKey;
        return keys.Count > 0 && mergeKey is not null && list.All(item => item is JsonObject o && o.ContainsKey(mergeKey));
    }

    /// <summary>The value at <paramref name="path"/>, or false when the object has nothing there.</summary>
    public static bool TryGet(JsonObject obj, FieldPath path, out JsonNode? value)
    {
        JsonNode? node = obj;
        foreach (var element in path.Elements)
        {
            node = Step(node, element, out _, out _);
            if (node is null)
            {
                value = null;
                return false;
            }
        }

        value = node;
        return true;
    }

    /// <summary>Removes what is at <paramref name="path"/> (a field, a list element); nothing happens when it is absent.</summary>
    public static void Remove(JsonObject obj, FieldPath path)
    {
        JsonNode? node = obj;
        for (var i = 0; i < path.Elements.Count; i++)
        {
            var element = path.Elements[i];
            var last = i == path.Elements.Count - 1;
            var child = Step(node, element, out var parentList, out var index);
            if (child is null && !(last && node is JsonObject o && o.ContainsKey(element.Text)))
            {
                return;
            }

            if (last)
            {
                if (parentList is not null)
                {
                    parentList.RemoveAt(index);
                }
                else
                {
                    ((JsonObject)node!).Remove(element.Text);
                }

                return;
            }

            node = child;
        }
    }

    private static JsonNode? Step(JsonNode? node, PathElement element, out JsonArray? list, out int index)
    {
        list = null;
        index = -1;
        switch (element.Kind)
        {
            case PathElementKind.Field:
                return node is JsonObject map && map.TryGetPropertyValue(element.Text, out var child) ? child : null;
            case PathElementKind.Key when node is JsonArray array:
                var key = JsonNode.Parse(element.Text)!.AsObject();
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonObject item && key.All(k => JsonNode.DeepEquals(item[k.Key], k.Value)))
                    {
                        (list, index) = (array, i);
                        return item;
                    }
                }

                return null;
            case PathElementKind.Value when node is JsonArray array:
                var wanted = JsonNode.Parse(element.Text);
                for (var i = 0; i < array.Count; i++)
                {
                    if (JsonNode.DeepEquals(array[i], wanted))
                    {
                        (list, index) = (array, i);
                        return array[i];
                    }
                }

                return null;
            default:
                return null;
        }
    }
}
