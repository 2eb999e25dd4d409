using System.Text.Json;
using k8s;
using k8s.Models;
using Skiff.Apimachinery;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Watch;

namespace Skiff.ApiServer.Registry;

/// <summary>Decoding request objects and encoding stored/served forms of an object.</summary>
public static class ObjectCodec
{
    /// <summary>Decodes a request body (JSON) as <paramref name="def"/>'s kind; 400 on bad JSON or a kind/apiVersion
    /// that does not match the URL. Missing kind/apiVersion are filled in from the URL.</summary>
    public static IKubernetesObject<V1ObjectMeta> DecodeBody(ResourceDefinition def, byte[] json)
    {
        IKubernetesObject<V1ObjectMeta> obj;
        try
        {
            obj = ModelJson.Deserialize(json, def.ModelType);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            throw StatusErrors.BadRequest($"the object provided is unrecognized ({ex.Message})");
        }

        CheckKind(def.ApiVersion, def.Kind, obj.ApiVersion, obj.Kind);
        obj.ApiVersion = def.ApiVersion;
        obj.Kind = def.Kind;
        obj.Metadata ??= new V1ObjectMeta();
        return obj;
    }

    public static void CheckKind(string expectedApiVersion, string expectedKind, string? apiVersion, string? kind)
    {
        if (!string.IsNullOrEmpty(kind) && kind != expectedKind)
        {
            throw StatusErrors.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({expectedKind})");
        }

        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != expectedApiVersion)
        {
            throw StatusErrors.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({expectedApiVersion})");
        }
    }

    /// <summary>The bytes kept in storage: the object without resourceVersion (the storage revision is the truth).</summary>
    public static byte[] ToStorage(ResourceDefinition def, IKubernetesObject<V1ObjectMeta> obj)
    {
        var rv = obj.Metadata.ResourceVersion;
        obj.Metadata.ResourceVersion = null;
        try
        {
            return ModelJson.Serialize(def.StorageConversion is { } conversion ? conversion.ToStorage(obj) : obj);
        }
        finally
        {
            obj.Metadata.ResourceVersion = rv;
        }
    }

    /// <summary>The served form of an object that was not written (a dry-run create): no resourceVersion.</summary>
    public static CachedObject NotStored(ResourceDefinition def, string key, IKubernetesObject<V1ObjectMeta> obj)
    {
        obj.Metadata.ResourceVersion = null;
        return new CachedObject(def, key, obj, ModelJson.Serialize(obj), 0);
    }

    /// <summary>The served form of an object just written at <paramref name="revision"/>.</summary>
    public static CachedObject Served(ResourceDefinition def, string key, IKubernetesObject<V1ObjectMeta> obj, long revision)
    {
        obj.Metadata.ResourceVersion = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new CachedObject(def, key, obj, ModelJson.Serialize(obj), revision);
    }

    /// <summary>The served form of an object just written as <paramref name="stored"/> (its <see cref="ToStorage"/>
    /// bytes) at <paramref name="revision"/>: the stored bytes with the revision written in, not a second encoding.</summary>
    public static CachedObject Served(ResourceDefinition def, string key, IKubernetesObject<V1ObjectMeta> obj, byte[] stored, long revision)
    {
        if (def.StorageConversion is not null || !ResourceVersionStamp.TryStamp(stored, revision, out var json))
        {
            return Served(def, key, obj, revision);
        }

        obj.Metadata.ResourceVersion = revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new CachedObject(def, key, obj, json, revision);
    }
}
