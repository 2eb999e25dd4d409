namespace Skiff.Scheduler.Cache;

/// <summary>
/// What the cache keeps up to date for the plugins as pods are added, assumed, forgotten and removed, so that a
/// cycle does not walk every node and pod of the cluster: counts of matching pods per topology domain, existing
/// pods' required anti-affinity grouped by term, and the nodes holding pods with affinity terms (upstream's
/// HavePodsWithAffinityNodeInfoList). Valid for the cache's <see cref="SchedulerCache.Nodes"/> only, and only
/// under the cache lock.
/// </summary>
public sealed class ClusterIndexes
{
    /// <summary>The cycle-state key under which the scheduling algorithm leaves these for the plugins.</summary>
    public const string StateKey = "ClusterIndexes";

    private readonly HashSet<NodeInfo> _nodesWithAffinityPods = [];
    private NodeInfo[]? _nodesWithAffinityPodsList;
    private bool _stale = true;

    public MatchingPodCounts Matching { get; } = new();

    public AntiAffinityGroups AntiAffinity { get; } = new();

    /// <summary>The nodes (of <paramref name="nodes"/>, the cache's) with a pod that has pod (anti-)affinity terms.</summary>
    public NodeInfo[] NodesWithAffinityPods(NodeInfo[] nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (_stale)
        {
            _nodesWithAffinityPods.Clear();
            foreach (var node in nodes)
            {
                if (node.PodsWithAffinity.Count > 0)
                {
                    _nodesWithAffinityPods.Add(node);
                }
            }

            _nodesWithAffinityPodsList = null;
            _stale = false;
        }

        return _nodesWithAffinityPodsList ??= [.. _nodesWithAffinityPods];
    }

    /// <summary>A pod came to (delta 1) or left (delta −1) <paramref name="node"/>; the node's own pod list has
    /// already changed.</summary>
    internal void OnPod(NodeInfo node, PodInfo pod, int delta)
    {
        if (!node.Exists)
        {
            return;
        }

        Matching.OnPod(node, pod, delta);
        AntiAffinity.OnPod(node, pod, delta);
        if (!_stale && pod.HasAffinityTerms)
        {
            var changed = node.PodsWithAffinity.Count > 0 ? _nodesWithAffinityPods.Add(node) : _nodesWithAffinityPods.Remove(node);
            if (changed)
            {
                _nodesWithAffinityPodsList = null;
            }
        }
    }

    /// <summary>A node came, went, or changed its labels: everything is counted again on next use.</summary>
    internal void Invalidate()
    {
        Matching.Clear();
        AntiAffinity.Invalidate();
        _stale = true;
    }
}
