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
    internal static readonly HashSet<string> UntrackedMetadata =
        ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
         "deletionGracePeriodSeconds", "managedFields", "selfLink"];

    // Go structs marked +structType=atomic that kubectl users meet: owned as a whole.
    private static readonly HashSet<Type> AtomicStructs = [typeof(V1LabelSelector)];

    /// <summary>Whether a struct of this model type is owned as a whole (its fields are not tracked one by one).</summary>
    internal static bool IsAtomicStruct(Type type) => AtomicStructs.Contains(type);

    /// <summary>The paths an object sets. <paramref name="statusOnly"/> tracks only <c>status</c> (the status subresource); otherwise <c>status</c> is left out.</summary>
    /// <param name="values">When given, receives the value at every path of the set, in the same walk (so that a caller
    /// comparing two objects need not look each path up again).</param>
    public static FieldSet Of(JsonObject obj, Type? modelType, bool statusOnly = false, Dictionary<FieldPath, JsonNode>? values = null)
    {
        var walk = new Walker(new FieldSet(), values);
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
                walk.Object(metadata, schema, path, UntrackedMetadata);
                continue;
            }

            walk.Value(value, schema, path, ModelSchema.Field(modelType, key).Shape);
        }

        return walk.Set;
    }

    private readonly record struct Walker(FieldSet Set, Dictionary<FieldPath, JsonNode>? Values)
    {
        public void Object(JsonObject obj, Schema schema, FieldPath path, HashSet<string>? skip = null)
        {
            foreach (var (key, value) in obj)
            {
                if (value is null || (skip is not null && skip.Contains(key)))
                {
                    continue;
                }

                var shape = schema.MapValueType is not null ? FieldShape.Struct : ModelSchema.Field(schema.StructType, key).Shape;
                Value(value, schema.Child(key), path.Append(PathElement.Field(key)), shape);
            }
        }

        public void Value(JsonNode value, Schema schema, FieldPath path, FieldShape shape)
        {
            switch (value)
            {
                case JsonObject obj when obj.Count == 0 || (schema.StructType is { } type && IsAtomicStruct(type)):
                    Add(path, value);
                    break;
                case JsonObject obj:
                    if (shape == FieldShape.Map)
                    {
                        Add(path, value);
                    }

                    Object(obj, schema, path);
                    break;
                case JsonArray list when IsAssociative(list, schema.Strategy, out var keys):
                    foreach (var item in list.Cast<JsonObject>())
                    {
                        var itemPath = path.Append(PathElement.KeyOf(item, keys));
                        Add(itemPath, item);
                        Object(item, schema, itemPath);
                    }

                    break;
                case JsonArray list when schema.Strategy is { Merge: true, MergeKey: null }:
                    Add(path, value);
                    foreach (var item in list)
                    {
                        Add(path.Append(PathElement.ValueOf(item)), item);
                    }

                    break;
                default:
                    Add(path, value);
                    break;
            }
        }

        private void Add(FieldPath path, JsonNode? value)
        {
            Set.Add(path);
            if (Values is not null && value is not null)
            {
                Values.TryAdd(path, value);
            }
        }
    }

    public static bool IsAssociative(JsonArray list, FieldStrategy? strategy, out IReadOnlyList<string> keys)
    {
        keys = strategy?.ListMapKeys ?? [];
        var mergeKey = strategy?.MergeKey;
        if (keys.Count == 0 || mergeKey is null)
        {
            return false;
        }

        // An index loop, not All(): a lambda capturing the merge key and the list's boxed enumerator would be
        // allocated for every list of every write.
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject o || !o.ContainsKey(mergeKey))
            {
                return false;
            }
        }

        return true;
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
