using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.Api.Json;
using Skiff.Client.Api;

namespace Skiff.Controllers.Common;

/// <summary>
/// Adoption and release (upstream's ControllerRefManager): a merge patch of <c>metadata.ownerReferences</c> with the
/// object's uid and resourceVersion, so it applies only to the object the cache showed (a stale view conflicts and
/// the sync retries).
/// </summary>
public static class OwnershipPatches
{
    public static ApiPatch Adopt(V1ObjectMeta meta, V1OwnerReference controllerRef)
    {
        ArgumentNullException.ThrowIfNull(meta);
        var references = (meta.OwnerReferences ?? []).Where(o => o.Uid != controllerRef.Uid).Append(controllerRef).ToList();
        return Patch(meta, references);
    }

    public static ApiPatch Release(V1ObjectMeta meta, string ownerUid)
    {
        ArgumentNullException.ThrowIfNull(meta);
        var references = (meta.OwnerReferences ?? []).Where(o => o.Uid != ownerUid).ToList();
        return Patch(meta, references);
    }

    /// <summary>Claims what <paramref name="candidates"/> hold for <paramref name="owner"/>: objects it controls and
    /// its selector still matches, orphans it adopts; it releases those it controls that no longer match.</summary>
    public static async Task<List<T>> ClaimAsync<T>(
        IApiClient api,
        IKubernetesObject<V1ObjectMeta> owner,
        V1OwnerReference ownerRef,
        IEnumerable<T> candidates,
        Func<T, bool> matches,
        CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(matches);
        var claimed = candidates.TryGetNonEnumeratedCount(out var count) ? new List<T>(count) : [];
        foreach (var candidate in candidates)
        {
            var controller = ControllerRefs.ControllerOf(candidate.Metadata);
            if (controller is not null)
            {
                if (controller.Uid != owner.Metadata.Uid)
                {
                    continue;
                }

                if (matches(candidate))
                {
                    claimed.Add(candidate);
                }
                else if (owner.Metadata.DeletionTimestamp is null && candidate.Metadata.DeletionTimestamp is null)
                {
                    await IgnoreGoneAsync(api.PatchAsync<T>(candidate.Metadata.NamespaceProperty, candidate.Metadata.Name, Release(candidate.Metadata, owner.Metadata.Uid), cancellationToken));
                }

                continue;
            }

            if (!matches(candidate) || owner.Metadata.DeletionTimestamp is not null || candidate.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            var adopted = await IgnoreGoneAsync(api.PatchAsync<T>(candidate.Metadata.NamespaceProperty, candidate.Metadata.Name, Adopt(candidate.Metadata, ownerRef), cancellationToken));
            if (adopted is not null)
            {
                claimed.Add(adopted);
            }
        }

        return claimed;
    }

    private static async Task<T?> IgnoreGoneAsync<T>(Task<T> patch)
        where T : class
    {
        try
        {
            return await patch;
        }
        catch (ApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    private static ApiPatch Patch(V1ObjectMeta meta, List<V1OwnerReference> references)
    {
        var body = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["ownerReferences"] = JsonNode.Parse(ModelJson.Serialize(references)),
                ["uid"] = meta.Uid,
                ["resourceVersion"] = meta.ResourceVersion,
            },
        };
        return ApiPatch.Merge(body.ToJsonString());
    }
}
