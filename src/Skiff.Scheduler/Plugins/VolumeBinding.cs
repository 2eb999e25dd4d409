using k8s.Models;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>
/// Upstream's VolumeBinding filter for the claims a pod uses (its <c>persistentVolumeClaim</c> volumes and the claims
/// of its generic ephemeral volumes, named <c>&lt;pod&gt;-&lt;volume&gt;</c>):
/// <list type="bullet">
/// <item>a missing or terminating claim, a bound claim whose volume is missing, an unbound claim of a missing class:
/// the pod fits no node, with upstream's message;</item>
/// <item>an unbound claim whose class binds immediately (or has no class): "pod has unbound immediate
/// PersistentVolumeClaims" until something binds it;</item>
/// <item>a bound volume's <c>nodeAffinity</c> rules out the nodes it does not select ("volume node affinity
/// conflict");</item>
/// <item>an unbound <c>WaitForFirstConsumer</c> claim fits a node where an Available volume of its class could take it
/// (capacity, access modes, the volume's node affinity), or any node when the class has a dynamic provisioner.</item>
/// </list>
/// </summary>
public sealed class VolumeBinding : IFilterPlugin
{
    public const string UnboundImmediate = "pod has unbound immediate PersistentVolumeClaims";
    public const string NodeAffinityConflict = "node(s) had volume node affinity conflict";
    public const string NoMatchingVolumes = "node(s) didn't find available persistent volumes to bind";
    private const string NoProvisioner = "kubernetes.io/no-provisioner";
    private const string StateKey = "VolumeBinding";

    private readonly IVolumeObjects _objects;

    public VolumeBinding(IVolumeObjects objects)
    {
        _objects = objects;
    }

    public string Name => "VolumeBinding";

    public FilterFailure? PreFilter(PodInfo pod, NodeInfo[] nodes, CycleState state)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(state);
        var volumes = pod.Pod.Spec?.Volumes;
        if (volumes is null || volumes.Count == 0)
        {
            return null;
        }

        var bound = new List<V1PersistentVolume>();
        var delayed = new List<V1PersistentVolumeClaim>();
        foreach (var volume in volumes)
        {
            var claimName = volume.PersistentVolumeClaim?.ClaimName
                ?? (volume.Ephemeral is not null ? pod.Pod.Metadata.Name + "-" + volume.Name : null);
            if (claimName is null)
            {
                continue;
            }

            var claim = _objects.Claim(pod.Namespace, claimName);
            if (claim is null)
            {
                return Unresolvable($"persistentvolumeclaim \"{claimName}\" not found");
            }

            if (claim.Metadata.DeletionTimestamp is not null)
            {
                return Unresolvable($"persistentvolumeclaim \"{claimName}\" is being deleted");
            }

            if (!string.IsNullOrEmpty(claim.Spec?.VolumeName))
            {
                var pv = _objects.Volume(claim.Spec.VolumeName);
                if (pv is null)
                {
                    return Unresolvable($"persistentvolume \"{claim.Spec.VolumeName}\" not found");
                }

                bound.Add(pv);
                continue;
            }

            var className = claim.Spec?.StorageClassName;
            if (string.IsNullOrEmpty(className))
            {
                return Unresolvable(UnboundImmediate);
            }

            var storageClass = _objects.StorageClass(className);
            if (storageClass is null)
            {
                return Unresolvable($"storageclass.storage.k8s.io \"{className}\" not found");
            }

            if (storageClass.VolumeBindingMode != "WaitForFirstConsumer")
            {
                return Unresolvable(UnboundImmediate);
            }

            if (storageClass.Provisioner == NoProvisioner)
            {
                delayed.Add(claim);
            }
        }

        if (bound.Count > 0 || delayed.Count > 0)
        {
            state.Write(StateKey, new Claims(bound, delayed, delayed.Count > 0 ? [.. _objects.Volumes()] : []));
        }

        return null;
    }

    public FilterFailure? Filter(PodInfo pod, NodeInfo node, CycleState state)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(state);
        if (state.Read<Claims>(StateKey) is not { } claims)
        {
            return null;
        }

        foreach (var pv in claims.Bound)
        {
            if (!Selects(pv, node.Node))
            {
                return new FilterFailure(NodeAffinityConflict, unresolvable: true);
            }
        }

        return claims.Delayed.Count == 0 || AllDelayedClaimsFit(claims, node.Node) ? null : new FilterFailure(NoMatchingVolumes, unresolvable: true);
    }

    // Apart from Filter, which runs for every node of every cycle: a lambda there would allocate its closure on
    // every call, volumes or not.
    private static bool AllDelayedClaimsFit(Claims claims, V1Node node)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in claims.Delayed)
        {
            var match = claims.Candidates.FirstOrDefault(pv => !taken.Contains(pv.Metadata.Name) && CanTake(pv, claim, node));
            if (match is null)
            {
                return false;
            }

            taken.Add(match.Metadata.Name);
        }

        return true;
    }

    private static FilterFailure Unresolvable(string reason) => new(reason, unresolvable: true);

    private static bool Selects(V1PersistentVolume pv, V1Node node) =>
        pv.Spec?.NodeAffinity?.Required?.NodeSelectorTerms is not { Count: > 0 } terms || NodeSelectorMatching.MatchesAny(terms, node);

    /// <summary>Whether an Available volume could be bound to <paramref name="claim"/> for a pod on <paramref name="node"/>
    /// (upstream's findMatchingVolume: class, not claimed by another, access modes, capacity, node affinity).</summary>
    private static bool CanTake(V1PersistentVolume pv, V1PersistentVolumeClaim claim, V1Node node)
    {
        if (pv.Spec is null || pv.Metadata.DeletionTimestamp is not null || (pv.Spec.StorageClassName ?? string.Empty) != claim.Spec.StorageClassName)
        {
            return false;
        }

        if (pv.Spec.ClaimRef is { } reference
            && (reference.NamespaceProperty != claim.Metadata.NamespaceProperty || reference.Name != claim.Metadata.Name))
        {
            return false;
        }

        if (pv.Status?.Phase is "Bound" or "Released" or "Failed")
        {
            return false;
        }

        var modes = pv.Spec.AccessModes ?? [];
        if ((claim.Spec.AccessModes ?? []).Any(mode => !modes.Contains(mode)))
        {
            return false;
        }

        if (claim.Spec.Resources?.Requests?.TryGetValue("storage", out var wanted) == true
            && (pv.Spec.Capacity?.TryGetValue("storage", out var capacity) != true || capacity is null || capacity.ToDecimal() < wanted.ToDecimal()))
        {
            return false;
        }

        return Selects(pv, node);
    }

    private sealed record Claims(List<V1PersistentVolume> Bound, List<V1PersistentVolumeClaim> Delayed, V1PersistentVolume[] Candidates);
}
