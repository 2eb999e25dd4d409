using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>Upstream's NodeName filter: a pod that names a node fits only that node.</summary>
public sealed class NodeName : IFilterPlugin
{
    public static readonly FilterFailure Mismatch = new("node(s) didn't match the requested node name", unresolvable: true);

    public string Name => "NodeName";

    public FilterFailure? Filter(PodInfo pod, NodeInfo node, CycleState state)
    {
        var wanted = pod.Pod.Spec?.NodeName;
        return string.IsNullOrEmpty(wanted) || wanted == node.Name ? null : Mismatch;
    }
}
