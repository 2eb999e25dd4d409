using k8s;
using k8s.Models;
using Skiff.Apimachinery;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Watch;

/// <summary>
/// One object as the API serves it: its JSON rendered once (resourceVersion set), so lists and watch fan-out copy
/// bytes instead of serializing per client, and what lists and watches filter on (namespace, labels, the selectable
/// fields) taken out once. The typed object is not kept: it is decoded from the JSON when asked for, so the cache of
/// 10k pods holds 10k byte arrays rather than 10k object graphs. Never mutated after construction.
/// </summary>
public sealed class CachedObject
{
    public CachedObject(ResourceDefinition definition, string key, IKubernetesObject<V1ObjectMeta> obj, byte[] json, long modRevision)
    {
        Definition = definition;
        Key = key;
        Json = json;
        ModRevision = modRevision;
        Name = obj.Metadata?.Name ?? string.Empty;
        Namespace = obj.Metadata?.NamespaceProperty;
        Labels = obj.Metadata?.Labels;
        BeingDeleted = obj.Metadata?.DeletionTimestamp is not null;
        Fields = definition.Strategy.SelectableFields(obj);
    }

    // A copy at another revision: the same object, so the same name, labels and fields.
    private CachedObject(CachedObject source, byte[] json, long modRevision)
    {
        Definition = source.Definition;
        Key = source.Key;
        Json = json;
        ModRevision = modRevision;
        Name = source.Name;
        Namespace = source.Namespace;
        Labels = source.Labels;
        BeingDeleted = source.BeingDeleted;
        Fields = source.Fields;
    }

    public string Key { get; }

    public byte[] Json { get; }

    public long ModRevision { get; }

    public string Name { get; }

    public string? Namespace { get; }

    public IDictionary<string, string>? Labels { get; }

    public ResourceDefinition Definition { get; }

    /// <summary>Whether the object has a deletionTimestamp (it is being deleted).</summary>
    public bool BeingDeleted { get; }

    /// <summary>The fields a field selector may test.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; }

    /// <summary>A fresh typed copy, decoded from <see cref="Json"/> (the caller may change it). Decode once per use.</summary>
    public IKubernetesObject<V1ObjectMeta> Decode() => ModelJson.Deserialize(Json, Definition.ModelType);

    /// <summary>A copy whose resourceVersion is <paramref name="revision"/> (e.g. the last state of a deleted object),
    /// written into the JSON; the object is decoded only when its JSON has no resourceVersion to replace.</summary>
    public CachedObject WithRevision(long revision) =>
        ResourceVersionStamp.TryRestamp(Json, revision, out var json)
            ? new CachedObject(this, json, revision)
            : ObjectDecoder.Decode(Definition, Key, Json, revision);
}
