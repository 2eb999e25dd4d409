using System.Buffers;
using System.Text.Json;
using k8s.Models;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// The managedFields of a create whose client sent none (every <c>kubectl create</c>, every pod a controller makes):
/// one <c>Update</c> entry owning every field the object sets. <see cref="ManagedFields"/> reaches the same entry by
/// turning the object into a JSON tree, collecting its paths into a set, sorting them into a FieldsV1 tree and decoding
/// that back to a typed entry; here the serialized object is walked once (with the schema <see cref="ObjectFields"/>
/// uses: list-map items, sets of primitives, atomic structs, untracked metadata) into a tree kept in FieldsV1's order,
/// which is written straight out. The two are held equal by tests.
/// </summary>
public static class CreatedFields
{
    /// <summary>The entries of the create: one owning everything <paramref name="json"/> sets outside status, or null
    /// when it sets nothing (the full computation then writes none either).</summary>
    /// <param name="json">The object about to be stored, serialized with the models' settings.</param>
    /// <param name="modelType">The KubernetesClient model of the object; null for custom resources.</param>
    public static List<V1ManagedFieldsEntry>? Record(ReadOnlyMemory<byte> json, string manager, string apiVersion, DateTimeOffset now, Type? modelType)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(apiVersion);
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var root = new Node();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var key = property.Name;
            var value = property.Value;
            if (key is "apiVersion" or "kind" or "status" || value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            var schema = Schema.ForStruct(modelType).Child(key);
            var node = root.Child("f:" + key);
            if (key == "metadata" && value.ValueKind == JsonValueKind.Object)
            {
                WalkObject(value, schema, node, ObjectFields.UntrackedMetadata);
                continue;
            }

            WalkValue(value, schema, node, ModelSchema.Field(modelType, key).Shape);
        }

        if (!root.Settle())
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            root.Write(writer);
        }

        var time = now.UtcDateTime;
        return
        [
            new V1ManagedFieldsEntry
            {
                Manager = manager,
                Operation = ManagedFieldsEntry.Update,
                ApiVersion = apiVersion,
                Time = new DateTime(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc), // FieldsV1 times are whole seconds
                FieldsType = "FieldsV1",
                FieldsV1 = JsonElement.Parse(buffer.WrittenSpan),
            },
        ];
    }

    // ObjectFields.Walker's rules, on a JsonElement and into a tree: a node is a path's last element, Member when the
    // path itself is in the set.
    private static void WalkObject(JsonElement obj, Schema schema, Node node, HashSet<string>? skip = null)
    {
        foreach (var property in obj.EnumerateObject())
        {
            var key = property.Name;
            if (property.Value.ValueKind == JsonValueKind.Null || (skip is not null && skip.Contains(key)))
            {
                continue;
            }

            var shape = schema.MapValueType is not null ? FieldShape.Struct : ModelSchema.Field(schema.StructType, key).Shape;
            WalkValue(property.Value, schema.Child(key), node.Child("f:" + key), shape);
        }
    }

    private static void WalkValue(JsonElement value, Schema schema, Node node, FieldShape shape)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object when ElementFields.IsEmpty(value) || (schema.StructType is { } type && ObjectFields.IsAtomicStruct(type)):
                node.Member = true;
                break;
            case JsonValueKind.Object:
                node.Member |= shape == FieldShape.Map;
                WalkObject(value, schema, node);
                break;
            case JsonValueKind.Array when ElementFields.IsAssociative(value, schema.Strategy, out var keys):
                foreach (var item in value.EnumerateArray())
                {
                    var itemNode = node.Child("k:" + ElementFields.KeyOf(item, keys));
                    itemNode.Member = true;
                    WalkObject(item, schema, itemNode);
                }

                break;
            case JsonValueKind.Array when schema.Strategy is { Merge: true, MergeKey: null }:
                node.Member = true;
                foreach (var item in value.EnumerateArray())
                {
                    node.Child("v:" + ElementFields.Compact(item)).Member = true;
                }

                break;
            default:
                node.Member = true;
                break;
        }
    }

    // One FieldsV1 key and what is below it. Children are found by key (a path the walk meets twice, as a list-map item
    // repeated, is one path) and written in ordinal order of their keys, as FieldSet.ToFieldsV1 writes them.
    private sealed class Node
    {
        // Past this many children a dictionary finds them (a ConfigMap's data, a pod's labels can be long).
        private const int IndexedFrom = 8;
        private List<KeyValuePair<string, Node>>? _children;
        private Dictionary<string, Node>? _index;

        public bool Member { get; set; }

        public Node Child(string key)
        {
            if (_index is not null)
            {
                if (!_index.TryGetValue(key, out var found))
                {
                    found = new Node();
                    _index.Add(key, found);
                    _children!.Add(new(key, found));
                }

                return found;
            }

            _children ??= [];
            foreach (var (existing, child) in _children)
            {
                if (string.Equals(existing, key, StringComparison.Ordinal))
                {
                    return child;
                }
            }

            var node = new Node();
            _children.Add(new(key, node));
            if (_children.Count >= IndexedFrom)
            {
                _index = new Dictionary<string, Node>(_children, StringComparer.Ordinal);
            }

            return node;
        }

        /// <summary>Drops the children that hold no path (a struct whose fields were all null, an empty list-map)
        /// and sorts the rest; true when this node or one below it is in the set.</summary>
        public bool Settle()
        {
            if (_children is null)
            {
                return Member;
            }

            _children.RemoveAll(static c => !c.Value.Settle());
            _children.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            return Member || _children.Count > 0;
        }

        public void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            if (_children is { Count: > 0 })
            {
                if (Member)
                {
                    writer.WritePropertyName(".");
                    writer.WriteStartObject();
                    writer.WriteEndObject();
                }

                foreach (var (key, child) in _children)
                {
                    writer.WritePropertyName(key);
                    child.Write(writer);
                }
            }

            writer.WriteEndObject();
        }
    }
}
