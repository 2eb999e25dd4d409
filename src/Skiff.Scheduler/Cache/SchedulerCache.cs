using k8s.Models;
using Skiff.Api.Selection;

namespace Skiff.Scheduler.Cache;

/// <summary>
/// The scheduler's view of the cluster: nodes and the pods on them, fed by the informers, plus the pods the
/// scheduler has assumed on a node while their binding is in flight (so the next pod sees them before the watch
/// echoes the binding). All access goes through <see cref="Lock"/>; the scheduling cycle holds it while it runs, and
/// the informers' changes reach it through <see cref="CacheUpdates"/>, which never waits for that cycle.
/// </summary>
public sealed class SchedulerCache
{
    private readonly Dictionary<string, NodeInfo> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Node, bool Assumed)> _podNodes = new(StringComparer.Ordinal);
    private NodeInfo[]? _list;

    /// <summary>Held by every reader and writer.</summary>
    public Lock Lock { get; } = new();

    /// <summary>The nodes that exist (a pod's node may be missing while the node informer catches up), in a stable
    /// order; the array is rebuilt only when a node comes or goes.</summary>
    public NodeInfo[] Nodes
    {
        get
        {
            return _list ??= _nodes.Values.Where(n => n.Exists)
                .OrderBy(n => n.Name, StringComparer.Ordinal).ToArray();
        }
    }

    public int AssumedCount { get; private set; }

    /// <summary>Counts over <see cref="Nodes"/> kept up to date with every pod change, for the plugins.</summary>
    public ClusterIndexes Indexes { get; } = new();

    public NodeInfo? NodeNamed(string name) => _nodes.TryGetValue(name, out var info) && info.Exists ? info : null;

    public void AddOrUpdateNode(V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (_nodes.TryGetValue(node.Metadata.Name, out var info))
        {
            var wasPlaceholder = !info.Exists;
            var labelsChanged = !LabelSets.Equal(info.Labels, node.Metadata.Labels);
            info.SetNode(node);
            if (wasPlaceholder)
            {
                _list = null;
            }

            if (wasPlaceholder || labelsChanged)
            {
                Indexes.Invalidate();
            }
        }
        else
        {
            _nodes[node.Metadata.Name] = new NodeInfo(node);
            _list = null;
            Indexes.Invalidate();
        }
    }

    public void RemoveNode(string name)
    {
        if (_nodes.TryGetValue(name, out var info))
        {
            if (info.PodCount == 0)
            {
                _nodes.Remove(name);
            }
            else
            {
                // Keep the pods' accounting until they go; the node is no longer a candidate.
                info.SetNode(new V1Node { Metadata = new V1ObjectMeta { Name = name } }, exists: false);
            }

            _list = null;
            Indexes.Invalidate();
        }
    }

    /// <summary>A pod the informer reports on a node (confirms an assumed one). Terminal pods free their node.</summary>
    public void AddOrUpdatePod(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var info = new PodInfo(pod);
        if (pod.Status?.Phase is "Succeeded" or "Failed" || string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            RemovePod(info.Key);
            return;
        }

        if (_podNodes.TryGetValue(info.Key, out var placed))
        {
            if (placed.Assumed)
            {
                AssumedCount--;
            }

            if (placed.Node != pod.Spec.NodeName)
            {
                if (_nodes.GetValueOrDefault(placed.Node) is { } previous)
                {
                    RemoveFromNode(previous, info.Key);
                }
            }
        }

        AddToNode(NodeOrPlaceholder(pod.Spec.NodeName), info);
        _podNodes[info.Key] = (pod.Spec.NodeName, false);
    }

    public void RemovePod(string key)
    {
        if (_podNodes.Remove(key, out var placed))
        {
            if (placed.Assumed)
            {
                AssumedCount--;
            }

            if (_nodes.TryGetValue(placed.Node, out var node))
            {
                RemoveFromNode(node, key);
                if (node.PodCount == 0 && !node.Exists)
                {
                    _nodes.Remove(placed.Node);
                }
            }
        }
    }

    /// <summary>Places <paramref name="pod"/> on <paramref name="nodeName"/> before the binding is confirmed.</summary>
    public void AssumePod(PodInfo pod, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(pod);
        RemovePod(pod.Key);
        AddToNode(NodeOrPlaceholder(nodeName), pod);
        _podNodes[pod.Key] = (nodeName, true);
        AssumedCount++;
    }

    /// <summary>Undoes <see cref="AssumePod"/> when the binding failed (a pod the watch confirmed meanwhile stays).</summary>
    public void ForgetPod(string key)
    {
        if (_podNodes.TryGetValue(key, out var placed) && placed.Assumed)
        {
            RemovePod(key);
        }
    }

    public bool IsAssumedOrBound(string key) => _podNodes.ContainsKey(key);

    /// <summary>Every pod change on a node goes through here and <see cref="RemoveFromNode"/>, which keep the
    /// indexes in step (a replaced pod leaves them before its new version enters).</summary>
    private void AddToNode(NodeInfo node, PodInfo pod)
    {
        RemoveFromNode(node, pod.Key);
        node.AddPod(pod);
        Indexes.OnPod(node, pod, 1);
    }

    private void RemoveFromNode(NodeInfo node, string key)
    {
        if (node.PodNamed(key) is { } old && node.RemovePod(key))
        {
            Indexes.OnPod(node, old, -1);
        }
    }

    private NodeInfo NodeOrPlaceholder(string name)
    {
        if (!_nodes.TryGetValue(name, out var info))
        {
            info = new NodeInfo(new V1Node { Metadata = new V1ObjectMeta { Name = name } }, exists: false);
            _nodes[name] = info;
        }

        return info;
    }
}
