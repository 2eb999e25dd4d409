using k8s.Models;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.DaemonSets;

/// <summary>
/// One step of a DaemonSet RollingUpdate (upstream's rollingUpdate): without surge, old pods are deleted while no
/// more than maxUnavailable nodes lack an available daemon (unavailable old pods go at once); with surge, new pods
/// are created beside old ones on up to maxSurge nodes and an old pod goes once its replacement is available.
/// </summary>
public static class DaemonRollingUpdate
{
    public sealed record Plan(IReadOnlyList<V1Pod> PodsToDelete, IReadOnlyList<string> NodesToCreate);

    /// <summary>upstream's updatedDesiredNodeCounts: (maxSurge, maxUnavailable) against the desired node count;
    /// both zero is made maxUnavailable 1 so a rollout can progress.</summary>
    public static (int MaxSurge, int MaxUnavailable) Limits(V1DaemonSet ds, int desiredNumberScheduled)
    {
        ArgumentNullException.ThrowIfNull(ds);
        var rolling = ds.Spec.UpdateStrategy?.RollingUpdate;
        var maxUnavailable = rolling?.MaxUnavailable is { } unavailable ? IntOrPercent.Scaled(unavailable, desiredNumberScheduled, roundUp: true) : 1;
        var maxSurge = IntOrPercent.Scaled(rolling?.MaxSurge, desiredNumberScheduled, roundUp: true);
        if (maxUnavailable == 0 && maxSurge == 0)
        {
            maxUnavailable = 1;
        }

        return (maxSurge, maxUnavailable);
    }

    /// <param name="nodeToPods">Daemon pods by target node, for the nodes that should run the daemon.</param>
    public static Plan Compute(V1DaemonSet ds, IReadOnlyDictionary<string, List<V1Pod>> nodeToPods, int desiredNumberScheduled, string hash, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ds);
        ArgumentNullException.ThrowIfNull(nodeToPods);
        var (maxSurge, maxUnavailable) = Limits(ds, desiredNumberScheduled);
        var minReady = ds.Spec.MinReadySeconds ?? 0;
        bool Available(V1Pod pod) => PodStates.IsAvailable(pod, minReady, now);
        var nodes = nodeToPods.Keys.Order(StringComparer.Ordinal).ToList();

        if (maxSurge == 0)
        {
            var unavailable = 0;
            var allowed = new List<V1Pod>();
            var candidates = new List<V1Pod>();
            foreach (var node in nodes)
            {
                if (!FindOnNode(ds, nodeToPods[node], hash, out var newPod, out var oldPod))
                {
                    unavailable++;
                    continue;
                }

                if ((oldPod is null) == (newPod is null))
                {
                    unavailable++; // nothing there, or both: the manage step creates or deletes
                }
                else if (newPod is not null)
                {
                    if (!Available(newPod))
                    {
                        unavailable++;
                    }
                }
                else if (!Available(oldPod!))
                {
                    allowed.Add(oldPod!);
                }
                else if (unavailable < maxUnavailable)
                {
                    candidates.Add(oldPod!);
                }
            }

            var remaining = Math.Clamp(maxUnavailable - unavailable, 0, candidates.Count);
            return new Plan([.. allowed, .. candidates.Take(remaining)], []);
        }

        var oldToDelete = new List<V1Pod>();
        var allowedNodes = new List<string>();
        var candidateNodes = new List<string>();
        var surge = 0;
        foreach (var node in nodes)
        {
            if (!FindOnNode(ds, nodeToPods[node], hash, out var newPod, out var oldPod))
            {
                surge++;
                continue;
            }

            if (oldPod is null)
            {
                continue; // the manage step handles a node without an old pod
            }

            if (newPod is null)
            {
                if (!Available(oldPod))
                {
                    allowedNodes.Add(node);
                }
                else if (surge < maxSurge)
                {
                    candidateNodes.Add(node);
                }
            }
            else if (!Available(newPod))
            {
                surge++;
            }
            else
            {
                oldToDelete.Add(oldPod);
            }
        }

        var remainingSurge = Math.Clamp(maxSurge - surge, 0, candidateNodes.Count);
        return new Plan(oldToDelete, [.. allowedNodes, .. candidateNodes.Take(remainingSurge)]);
    }

    /// <summary>upstream's findUpdatedPodsOnNode: at most one new and one old live pod on the node, else false.</summary>
    private static bool FindOnNode(V1DaemonSet ds, List<V1Pod> pods, string hash, out V1Pod? newPod, out V1Pod? oldPod)
    {
        newPod = null;
        oldPod = null;
        foreach (var pod in pods.Where(p => p.Metadata.DeletionTimestamp is null))
        {
            if (DaemonPods.IsUpdated(pod, hash, ds.Metadata.Generation))
            {
                if (newPod is not null)
                {
                    return false;
                }

                newPod = pod;
            }
            else
            {
                if (oldPod is not null)
                {
                    return false;
                }

                oldPod = pod;
            }
        }

        return true;
    }
}
