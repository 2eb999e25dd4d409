using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>Upstream's NodeUnschedulable: a cordoned node takes only pods that tolerate
/// <c>node.kubernetes.io/unschedulable:NoSchedule</c>.</summary>
public sealed class NodeUnschedulable : IFilterPlugin
{
    public const string Reason = "node(s) were unschedulable";

    public string Name => nameof(NodeUnschedulable);

    public IReadOnlyList<string>? Filter(SchedulingPod pod, NodeInfo node)
    {
        if (node.Node?.Spec?.Unschedulable != true)
        {
            return null;
        }

        var tolerated = (pod.Pod.Spec?.Tolerations ?? []).Any(t =>
            TaintToleration.Tolerates(t, new k8s.Models.V1Taint { Key = "node.kubernetes.io/unschedulable", Effect = "NoSchedule" }));
        return tolerated ? null : [Reason];
    }
}
