using Skiff.Apimachinery;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Watch;

/// <summary>Turns stored bytes into a served object: decode, stamp the storage revision as resourceVersion, encode.</summary>
public static class ObjectDecoder
{
    public static CachedObject Decode(ResourceDefinition def, string key, ReadOnlySpan<byte> stored, long modRevision)
    {
        var obj = FromStorage(def, stored);
        obj.Metadata ??= new k8s.Models.V1ObjectMeta();
        obj.Metadata.ResourceVersion = modRevision.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // The decode is still needed for what selectors test; the served JSON is the stored JSON with the revision
        // written in, unless the served shape differs from the stored one.
        var json = def.StorageConversion is null && ResourceVersionStamp.TryStamp(stored, modRevision, out var stamped)
            ? stamped
            : ModelJson.Serialize(obj);
        return new CachedObject(def, key, obj, json, modRevision);
    }

    /// <summary>Decodes stored bytes as <paramref name="def"/>'s model, converting from the storage version when the
    /// resource is stored in another shape (events.k8s.io Events are stored as core Events).</summary>
    public static k8s.IKubernetesObject<k8s.Models.V1ObjectMeta> FromStorage(ResourceDefinition def, ReadOnlySpan<byte> stored)
    {
        if (def.StorageConversion is { } conversion)
        {
            return conversion.FromStorage(ModelJson.Deserialize(stored, conversion.StorageModelType));
        }

        return ModelJson.Deserialize(stored, def.ModelType);
    }

    /// <summary>A cached object as <paramref name="def"/> serves it (the cache holds the storage shape of a prefix).</summary>
    public static CachedObject Present(ResourceDefinition def, CachedObject cached) =>
        ReferenceEquals(cached.Definition, def) || def.StorageConversion is null
            ? cached
            : Decode(def, cached.Key, cached.Json, cached.ModRevision);
}
