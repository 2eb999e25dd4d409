using Skiff.Apimachinery;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Watch;

/// <summary>Turns stored bytes into a served object: decode, stamp the storage revision as resourceVersion, encode.</summary>
public static class ObjectDecoder
{
    public static CachedObject Decode(ResourceDefinition def, string key, ReadOnlySpan<byte> stored, long modRevision)
    {
        var obj = ModelJson.Deserialize(stored, def.ModelType);
        obj.Metadata ??= new k8s.Models.V1ObjectMeta();
        obj.Metadata.ResourceVersion = modRevision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new CachedObject(def, key, obj, ModelJson.Serialize(obj), modRevision);
    }
}
