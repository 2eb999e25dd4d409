using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.Apimachinery;
using Skiff.Apimachinery.Patching;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// <c>metadata.managedFields</c> on the typed objects the registry writes: Apimachinery's <see cref="ManagedFields"/>
/// and <see cref="ServerSideApply"/> work on JSON, this converts on the way in and out.
/// </summary>
public static class FieldOwnership
{
    /// <summary>Records an Update by <paramref name="manager"/> of the fields that differ between <paramref name="old"/>
    /// (null on create) and <paramref name="updated"/>, after settling client-supplied managedFields.</summary>
    public static IKubernetesObject<V1ObjectMeta> RecordUpdate(
        ResourceDefinition def, IKubernetesObject<V1ObjectMeta>? old, IKubernetesObject<V1ObjectMeta> updated, string manager, string subresource, DateTimeOffset now)
    {
        // A create and a heartbeat (a Lease renewal, a value changed in place) are settled on the serialized bytes,
        // without trees; other updates read their trees from the same bytes.
        byte[]? oldBytes = null;
        byte[]? newBytes = null;
        if (old is null && subresource.Length == 0 && updated.Metadata?.ManagedFields is not { Count: > 0 })
        {
            // A create whose client sent no entries: one entry owns everything, written from the bytes in one walk.
            updated.Metadata ??= new V1ObjectMeta();
            updated.Metadata.ManagedFields = CreatedFields.Record(ModelJson.Serialize(updated), manager, def.ApiVersion, now, def.ModelType);
            return updated;
        }

        if (old is not null && subresource.Length == 0 && old.Metadata?.ManagedFields is { Count: > 0 } live)
        {
            oldBytes = ModelJson.Serialize(old);
            newBytes = ModelJson.Serialize(updated);
            if (ScalarOnlyUpdate.TryRecord(oldBytes, newBytes, live, updated.Metadata.ManagedFields, manager, def.ApiVersion, now) is { } kept)
            {
                updated.Metadata.ManagedFields = kept;
                return updated;
            }
        }

        var statusOnly = subresource == "status";
        if (statusOnly && old?.Metadata?.ManagedFields is { } liveEntries && StatusProperty(old.GetType()) is not null
            && StatusWriteEntries.Carried(liveEntries, updated.Metadata.ManagedFields, manager) is { } carried)
        {
            // Entries that own nothing under status (a pod's creator) are put back as they are; the computation reads
            // only the others, and the two statuses as serialized.
            var rest = liveEntries.Where((_, i) => !carried[i]).ToList();
            var computed = StatusWriteFields.Record(rest, SerializeStatus(old), SerializeStatus(updated), manager, def.ApiVersion, now, def.ModelType);
            updated.Metadata.ManagedFields = StatusWriteEntries.Merge(liveEntries, carried, computed);
            return updated;
        }

        var oldJson = old is null ? null : oldBytes is not null ? Parse(oldBytes) : ToJsonForFields(old, statusOnly);
        var newJson = newBytes is not null ? Parse(newBytes) : ToJsonForFields(updated, statusOnly);
        var entries = ManagedFields.ResolveIncoming(oldJson, newJson)
            ? ManagedFields.RecordUpdateEntries(oldJson, newJson, manager, def.ApiVersion, now, def.ModelType, subresource)
            : null;

        // Only metadata.managedFields changes: the entries are computed from the JSON without copying it, and copied
        // over to the typed object instead of decoding the whole object again.
        updated.Metadata.ManagedFields = entries?.Deserialize<List<V1ManagedFieldsEntry>>(ModelJson.Options);
        return updated;
    }

    // The status subresource tracks only status (ManagedFields leaves the rest out): a write through it needs status
    // and the entries as JSON, not the whole object (a pod's spec is most of it, and kubelets write status most).
    private static JsonObject ToJsonForFields(IKubernetesObject<V1ObjectMeta> obj, bool statusOnly)
    {
        if (!statusOnly || StatusProperty(obj.GetType()) is not { } property)
        {
            return ToJson(obj);
        }

        var metadata = new JsonObject();
        if (obj.Metadata?.ManagedFields is { } written)
        {
            metadata["managedFields"] = JsonSerializer.SerializeToNode(written, ModelJson.Options);
        }

        var json = new JsonObject { ["metadata"] = metadata };
        if (property.GetValue(obj) is { } status)
        {
            json["status"] = JsonSerializer.SerializeToNode(status, property.PropertyType, ModelJson.Options);
        }

        return json;
    }

    private static byte[] SerializeStatus(IKubernetesObject<V1ObjectMeta> obj) =>
        StatusProperty(obj.GetType()) is { } property && property.GetValue(obj) is { } status
            ? JsonSerializer.SerializeToUtf8Bytes(status, property.PropertyType, ModelJson.Options)
            : [];

    // The models name it the same way for every kind that has one (as ResourceStrategy relies on); looked up once per type.
    private static readonly ConcurrentDictionary<Type, PropertyInfo?> StatusProperties = new();

    private static PropertyInfo? StatusProperty(Type type) => StatusProperties.GetOrAdd(type, static t => t.GetProperty("Status"));

    // What SerializeToNode makes of the same object (it also takes the node options from the serializer options).
    private static JsonObject Parse(byte[] json) =>
        JsonNode.Parse(json, new JsonNodeOptions { PropertyNameCaseInsensitive = ModelJson.Options.PropertyNameCaseInsensitive }) as JsonObject
            ?? throw StatusErrors.Internal("object is not a JSON object");

    public static JsonObject ToJson(IKubernetesObject<V1ObjectMeta> obj) =>
        JsonSerializer.SerializeToNode(obj, obj.GetType(), ModelJson.Options) as JsonObject ?? throw StatusErrors.Internal("object is not a JSON object");

    public static IKubernetesObject<V1ObjectMeta> FromJson(ResourceDefinition def, JsonObject json) =>
        ObjectCodec.DecodeBody(def, JsonSerializer.SerializeToUtf8Bytes(json));
}
