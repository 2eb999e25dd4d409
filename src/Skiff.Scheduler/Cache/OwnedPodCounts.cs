namespace Skiff.Scheduler.Cache;

/// <summary>
/// Per controller (namespace and owner uid), how many of its pods that are not terminating each node holds, kept
/// with every pod change on any node (existing or not yet known). PodTopologySpread's system default constraints
/// count the pods of the incoming pod's own controller: with many controllers placing pods at once (5,000
/// Deployments of 30), a cycle built that count by walking every pod of the cluster, 150,000 at the envelope; this
/// gives it from the controller's own pods.
/// </summary>
public sealed class OwnedPodCounts
{
    private readonly Dictionary<(string Namespace, string Owner), Dictionary<NodeInfo, int>> _byOwner = [];

    /// <summary>The nodes holding pods of <paramref name="ownerUid"/> in <paramref name="ns"/> with their counts, or
    /// null when none does.</summary>
    public IReadOnlyDictionary<NodeInfo, int>? On(string ns, string ownerUid) =>
        _byOwner.TryGetValue((ns, ownerUid), out var nodes) ? nodes : null;

    internal void OnPod(NodeInfo node, PodInfo pod, int delta)
    {
        if (pod.Pod.Metadata.DeletionTimestamp is not null || pod.Pod.Metadata.OwnerReferences is not { Count: > 0 } owners)
        {
            return;
        }

        for (var i = 0; i < owners.Count; i++)
        {
            // Every controller reference, as the spread constraint's own match does (validation allows one).
            if (owners[i].Controller != true || owners[i].Uid is not { } uid || IsRepeated(owners, i, uid))
            {
                continue;
            }

            var key = (pod.Namespace, uid);
            if (!_byOwner.TryGetValue(key, out var nodes))
            {
                if (delta < 0)
                {
                    continue;
                }

                _byOwner[key] = nodes = [];
            }

            var count = nodes.GetValueOrDefault(node) + delta;
            if (count > 0)
            {
                nodes[node] = count;
            }
            else
            {
                nodes.Remove(node);
                if (nodes.Count == 0)
                {
                    _byOwner.Remove(key);
                }
            }
        }
    }

    private static bool IsRepeated(IList<k8s.Models.V1OwnerReference> owners, int index, string uid)
    {
        for (var j = 0; j < index; j++)
        {
            if (owners[j].Controller == true && owners[j].Uid == uid)
            {
                return true;
            }
        }

        return false;
    }
}
