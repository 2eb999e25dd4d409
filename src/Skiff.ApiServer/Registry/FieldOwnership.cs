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
        var oldJson = old is null ? null : ToJson(old);
        var newJson = ToJson(updated);
        var entries = ManagedFields.ResolveIncoming(oldJson, newJson)
            ? ManagedFields.RecordUpdateEntries(oldJson, newJson, manager, def.ApiVersion, now, def.ModelType, subresource)
            : null;

        // Only metadata.managedFields changes: the entries are computed from the JSON without copying it, and copied
        // over to the typed object instead of decoding the whole object again.
        updated.Metadata.ManagedFields = entries?.Deserialize<List<V1ManagedFieldsEntry>>(ModelJson.Options);
        return updated;
    }

    public static JsonObject ToJson(IKubernetesObject<V1ObjectMeta> obj) =>
        JsonSerializer.SerializeToNode(obj, obj.GetType(), ModelJson.Options) as JsonObject ?? throw StatusErrors.Internal("object is not a JSON object");

    public static IKubernetesObject<V1ObjectMeta> FromJson(ResourceDefinition def, JsonObject json) =>
        ObjectCodec.DecodeBody(def, JsonSerializer.SerializeToUtf8Bytes(json));
}
