using k8s;
using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Client.Events;

/// <summary>Object references for events (client-go's reference.GetReference).</summary>
public static class ObjectReferences
{
    /// <summary>A reference to <paramref name="obj"/>; kind and apiVersion from its model type when the object
    /// does not carry them (items of lists do not).</summary>
    public static V1ObjectReference For(IKubernetesObject<V1ObjectMeta> obj, string? fieldPath = null)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var kind = obj.Kind;
        var apiVersion = obj.ApiVersion;
        if (string.IsNullOrEmpty(kind) || string.IsNullOrEmpty(apiVersion))
        {
            var resource = ApiResource.For(obj.GetType());
            kind = resource.Kind;
            apiVersion = resource.ApiVersion;
        }

        return new V1ObjectReference
        {
            Kind = kind,
            ApiVersion = apiVersion,
            Name = obj.Metadata?.Name,
            NamespaceProperty = obj.Metadata?.NamespaceProperty,
            Uid = obj.Metadata?.Uid,
            ResourceVersion = obj.Metadata?.ResourceVersion,
            FieldPath = fieldPath,
        };
    }
}
