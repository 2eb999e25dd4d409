using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>Upstream's NodeName: a pod that names a node (without being bound yet) fits only there.</summary>
public sealed class NodeName : IFilterPlugin
{
    public const string Reason = "node(s) didn't match the requested node name";

    public string Name => nameof(NodeName);

    public IReadOnlyList<string>? Filter(SchedulingPod pod, NodeInfo node) =>
        string.IsNullOrEmpty(pod.Pod.Spec?.NodeName) || pod.Pod.Spec.NodeName == node.Name ? null : [Reason];
}
