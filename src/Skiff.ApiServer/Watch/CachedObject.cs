using k8s;
using k8s.Models;
using Skiff.Apimachinery;

namespace Skiff.ApiServer.Watch;

/// <summary>
/// One object as the API serves it: decoded once, with its resourceVersion set, and its JSON rendered once, so lists
/// and watch fan-out copy bytes instead of serializing per client. Never mutated after construction.
/// </summary>
public sealed class CachedObject
{
    private readonly ResourceDefinition _definition;
    private IReadOnlyDictionary<string, string>? _fields;

    public CachedObject(ResourceDefinition definition, string key, IKubernetesObject<V1ObjectMeta> obj, byte[] json, long modRevision)
    {
        _definition = definition;
        Key = key;
        Object = obj;
        Json = json;
        ModRevision = modRevision;
    }

    public string Key { get; }

    public IKubernetesObject<V1ObjectMeta> Object { get; }

    public byte[] Json { get; }

    public long ModRevision { get; }

    public string? Namespace => Object.Metadata?.NamespaceProperty;

    public IDictionary<string, string>? Labels => Object.Metadata?.Labels;

    public ResourceDefinition Definition => _definition;

    /// <summary>A copy whose resourceVersion is <paramref name="revision"/> (e.g. the last state of a deleted object).</summary>
    public CachedObject WithRevision(long revision) => ObjectDecoder.Decode(_definition, Key, Json, revision);

    /// <summary>The fields a field selector may test (computed on first use).</summary>
    public IReadOnlyDictionary<string, string> Fields => _fields ??= _definition.Strategy.SelectableFields(Object);
}
