using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Api.Json;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// The entries a write through the status subresource records, from the serialized status before and after it.
/// <see cref="ManagedFields"/> reaches the same entries by turning both statuses and the entries into JSON trees,
/// walking the trees into field sets and writing the result as JSON to decode it again; every kubelet status write
/// paid that (a pod's status is most of what changes in a cluster). Here the two statuses are walked as parsed
/// documents (<see cref="ObjectFields"/>' rules: list-map items, sets of primitives, atomic structs), their leaves
/// compared in place, and the entries are made typed. The two are held equal by tests.
/// </summary>
public static class StatusWriteFields
{
    /// <summary>
    /// What an Update through <c>status</c> by <paramref name="manager"/> makes of <paramref name="entries"/> (the
    /// live entries that own status fields and the writer's own; those that own nothing there are left to
    /// <see cref="StatusWriteEntries"/>): typed, in their order, the writer's new entry last, entries that own
    /// nothing left out; null when none owns anything.
    /// </summary>
    /// <param name="oldStatus">The status before the write, serialized with the models' settings (<c>null</c> or
    /// empty when the object had none).</param>
    /// <param name="newStatus">The status the write stores, likewise.</param>
    /// <param name="modelType">The KubernetesClient model of the whole object (its <c>status</c> field gives the schema).</param>
    public static List<V1ManagedFieldsEntry>? Record(
        IList<V1ManagedFieldsEntry> entries,
        ReadOnlyMemory<byte> oldStatus,
        ReadOnlyMemory<byte> newStatus,
        string manager,
        string apiVersion,
        DateTimeOffset now,
        Type? modelType)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(apiVersion);
        using var before = Parse(oldStatus);
        using var after = Parse(newStatus);
        var beforeValues = new Dictionary<FieldPath, JsonElement>();
        var afterValues = new Dictionary<FieldPath, JsonElement>();
        var beforeSet = Of(before, modelType, beforeValues);
        var afterSet = Of(after, modelType, afterValues);
        var parents = afterSet.Parents();
        var removed = beforeSet.Paths.Where(p => !afterSet.Contains(p)).ToList();
        var changed = afterSet.Paths.Where(p => !beforeSet.Contains(p) ||
            (!parents.Contains(p) && !JsonElement.DeepEquals(beforeValues[p], afterValues[p]))).ToList();

        var settled = ManagedFields.Settle([.. entries.Select(Read)], removed, changed, manager, apiVersion, now, "status");
        var written = new List<V1ManagedFieldsEntry>(settled.Count);
        foreach (var entry in settled)
        {
            if (!entry.Fields.IsEmpty)
            {
                written.Add(Write(entry));
            }
        }

        return written.Count > 0 ? written : null;
    }

    private static JsonDocument? Parse(ReadOnlyMemory<byte> status) =>
        status.IsEmpty || status.Span.SequenceEqual("null"u8) ? null : JsonDocument.Parse(status);

    // ObjectFields.Of(obj, modelType, statusOnly: true): the walk starts at the object's status field.
    private static FieldSet Of(JsonDocument? status, Type? modelType, Dictionary<FieldPath, JsonElement> values)
    {
        var walk = new Walker(new FieldSet(), values);
        if (status is not null && status.RootElement.ValueKind != JsonValueKind.Null)
        {
            walk.Value(
                status.RootElement,
                Schema.ForStruct(modelType).Child("status"),
                FieldPath.Root.Append(PathElement.Field("status")),
                ModelSchema.Field(modelType, "status").Shape);
        }

        return walk.Set;
    }

    // The entry as ManagedFieldsEntry.ReadAll reads it back from the JSON the registry writes.
    private static ManagedFieldsEntry Read(V1ManagedFieldsEntry entry)
    {
        DateTimeOffset? time = entry.Time is { } t
            ? new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime())
            : null;
        var fields = entry.FieldsV1 switch
        {
            JsonElement element => JsonNode.Parse(JsonMarshal.GetRawUtf8Value(element)),
            JsonNode node => node,
            null => null,
            var other => JsonSerializer.SerializeToNode(other, ModelJson.Options),
        };
        return new ManagedFieldsEntry(
            entry.Manager ?? string.Empty,
            entry.Operation ?? string.Empty,
            entry.ApiVersion ?? string.Empty,
            time,
            entry.Subresource ?? string.Empty,
            FieldSet.FromFieldsV1(fields));
    }

    // The entry as ManagedFieldsEntry.WriteAll writes it and the models read it: whole seconds of UTC, no empty subresource.
    private static V1ManagedFieldsEntry Write(ManagedFieldsEntry entry)
    {
        DateTime? time = null;
        if (entry.Time is { } at)
        {
            var utc = at.UtcDateTime;
            time = new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc); // FieldsV1 times are whole seconds
        }

        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            entry.Fields.WriteFieldsV1(writer);
        }

        return new V1ManagedFieldsEntry
        {
            Manager = entry.Manager,
            Operation = entry.Operation,
            ApiVersion = entry.ApiVersion,
            Time = time,
            FieldsType = "FieldsV1",
            FieldsV1 = JsonElement.Parse(buffer.WrittenSpan),
            Subresource = entry.Subresource.Length > 0 ? entry.Subresource : null,
        };
    }

    // ObjectFields.Walker on a JsonElement.
    private readonly record struct Walker(FieldSet Set, Dictionary<FieldPath, JsonElement> Values)
    {
        public void Object(JsonElement obj, Schema schema, FieldPath path)
        {
            foreach (var property in obj.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                var key = property.Name;
                var shape = schema.MapValueType is not null ? FieldShape.Struct : ModelSchema.Field(schema.StructType, key).Shape;
                Value(property.Value, schema.Child(key), path.Append(PathElement.Field(key)), shape);
            }
        }

        public void Value(JsonElement value, Schema schema, FieldPath path, FieldShape shape)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object when ElementFields.IsEmpty(value) || (schema.StructType is { } type && ObjectFields.IsAtomicStruct(type)):
                    Add(path, value);
                    break;
                case JsonValueKind.Object:
                    if (shape == FieldShape.Map)
                    {
                        Add(path, value);
                    }

                    Object(value, schema, path);
                    break;
                case JsonValueKind.Array when ElementFields.IsAssociative(value, schema.Strategy, out var keys):
                    foreach (var item in value.EnumerateArray())
                    {
                        var itemPath = path.Append(new PathElement(PathElementKind.Key, ElementFields.KeyOf(item, keys)));
                        Add(itemPath, item);
                        Object(item, schema, itemPath);
                    }

                    break;
                case JsonValueKind.Array when schema.Strategy is { Merge: true, MergeKey: null }:
                    Add(path, value);
                    foreach (var item in value.EnumerateArray())
                    {
                        Add(path.Append(new PathElement(PathElementKind.Value, ElementFields.Compact(item))), item);
                    }

                    break;
                default:
                    Add(path, value);
                    break;
            }
        }

        private void Add(FieldPath path, JsonElement value)
        {
            Set.Add(path);
            Values.TryAdd(path, value);
        }
    }
}
