using k8s;
using k8s.Models;

namespace Skiff.Controllers.Common;

/// <summary>Owner references as controllers use them (apimachinery's metav1.GetControllerOf / NewControllerRef).</summary>
public static class ControllerRefs
{
    public static V1OwnerReference? ControllerOf(V1ObjectMeta? meta)
    {
        if (meta?.OwnerReferences is not { } references)
        {
            return null;
        }

        // Read for every pod of a ReplicaSet on every sync: an index loop, no boxed enumerator.
        for (var i = 0; i < references.Count; i++)
        {
            if (references[i].Controller == true)
            {
                return references[i];
            }
        }

        return null;
    }

    /// <summary>The reference a controller puts on what it creates or adopts (controller and blockOwnerDeletion true).</summary>
    public static V1OwnerReference For(IKubernetesObject<V1ObjectMeta> owner, string apiVersion, string kind)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return new V1OwnerReference
        {
            ApiVersion = apiVersion,
            Kind = kind,
            Name = owner.Metadata.Name,
            Uid = owner.Metadata.Uid,
            Controller = true,
            BlockOwnerDeletion = true,
        };
    }

    /// <summary>The owner in <paramref name="cacheLookup"/> that <paramref name="meta"/>'s controller reference names,
    /// or null (no reference, another kind, or a different object of the same name).</summary>
    public static T? ResolveController<T>(V1ObjectMeta? meta, string kind, Func<string?, string, T?> cacheLookup)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(cacheLookup);
        var reference = ControllerOf(meta);
        if (reference is null || reference.Kind != kind)
        {
            return null;
        }

        var owner = cacheLookup(meta!.NamespaceProperty, reference.Name);
        return owner?.Metadata.Uid == reference.Uid ? owner : null;
    }
}
