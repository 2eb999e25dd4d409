namespace Skiff.Scheduler.Cache;

/// <summary>
/// What the cache keeps up to date for the plugins as pods are added, assumed, forgotten and removed, so that a
/// cycle does not walk every node and pod of the cluster: counts of matching pods per topology domain, existing
/// pods' required anti-affinity grouped by term, and the nodes holding pods whose terms score others (upstream's
/// HavePodsWithAffinityNodeInfoList, narrowed). Valid for the cache's <see cref="SchedulerCache.Nodes"/> only, and only
/// under the cache lock.
/// </summary>
public sealed class ClusterIndexes
{
    /// <summary>The cycle-state key under which the scheduling algorithm leaves these for the plugins.</summary>
    public const string StateKey = "ClusterIndexes";

    // Per node, its pods whose terms score other pods (preferred terms, required affinity); required
    // anti-affinity alone filters but never scores, so those nodes are left out.
    private readonly Dictionary<NodeInfo, int> _scoringPods = [];
    private NodeInfo[]? _scoringNodes;
    private bool _stale = true;

    public MatchingPodCounts Matching { get; } = new();

    /// <summary>Pods per node of each controller, for counts of a controller's pods (kept for every node).</summary>
    public OwnedPodCounts Owned { get; } = new();

    public AntiAffinityGroups AntiAffinity { get; } = new();

    /// <summary>The nodes (of <paramref name="nodes"/>, the cache's) with a pod whose (anti-)affinity terms score
    /// other pods (<see cref="PodInfo.HasTermsScoringOthers"/>).</summary>
    public NodeInfo[] NodesWithScoringPods(NodeInfo[] nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (_stale)
        {
            _scoringPods.Clear();
            foreach (var node in nodes)
            {
                foreach (var pod in node.PodsWithAffinity)
                {
                    if (pod.HasTermsScoringOthers)
                    {
                        _scoringPods[node] = _scoringPods.GetValueOrDefault(node) + 1;
                    }
                }
            }

            _scoringNodes = null;
            _stale = false;
        }

        return _scoringNodes ??= [.. _scoringPods.Keys];
    }

    /// <summary>A pod came to (delta 1) or left (delta −1) <paramref name="node"/>; the node's own pod list has
    /// already changed.</summary>
    internal void OnPod(NodeInfo node, PodInfo pod, int delta)
    {
        Owned.OnPod(node, pod, delta);
        if (!node.Exists)
        {
            return;
        }

        Matching.OnPod(node, pod, delta);
        AntiAffinity.OnPod(node, pod, delta);
        if (!_stale && pod.HasTermsScoringOthers)
        {
            var count = _scoringPods.GetValueOrDefault(node) + delta;
            if (count > 0)
            {
                _scoringNodes = _scoringPods.ContainsKey(node) ? _scoringNodes : null;
                _scoringPods[node] = count;
            }
            else
            {
                _scoringPods.Remove(node);
                _scoringNodes = null;
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
