using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Skiff.ApiServer.Authorization.Rbac.Escalation;

/// <summary>
/// Upstream's IsOnlyMutatingGCFields: an update that changes nothing but what the garbage collector needs
/// (ownerReferences, finalizers; selfLink and managedFields are ignored too) is not an escalation, so the garbage
/// collector can delete RBAC objects it does not hold the rules of.
/// </summary>
public static class GarbageCollectionFields
{
    private static readonly string[] Ignored = ["ownerReferences", "finalizers", "selfLink", "managedFields", "resourceVersion"];

    public static bool OnlyTheyChanged(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta>? old) =>
        old is not null && JsonNode.DeepEquals(Comparable(obj), Comparable(old));

    private static JsonNode? Comparable(IKubernetesObject<V1ObjectMeta> obj)
    {
        var node = JsonNode.Parse(ModelJson.Serialize(obj));
        if (node?["metadata"] is JsonObject meta)
        {
            foreach (var field in Ignored)
            {
                meta.Remove(field);
            }
        }

        return node;
    }
}
