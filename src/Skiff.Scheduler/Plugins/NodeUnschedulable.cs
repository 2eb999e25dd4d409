using k8s.Models;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>Upstream's NodeUnschedulable filter: a cordoned node (<c>spec.unschedulable</c>) takes only pods that
/// tolerate the <c>node.kubernetes.io/unschedulable:NoSchedule</c> taint.</summary>
public sealed class NodeUnschedulable : IFilterPlugin
{
    public static readonly FilterFailure Cordoned = new("node(s) were unschedulable", unresolvable: true);

    private static readonly V1Taint UnschedulableTaint = new() { Key = "node.kubernetes.io/unschedulable", Effect = "NoSchedule" };

    public string Name => "NodeUnschedulable";

    public FilterFailure? Filter(PodInfo pod, NodeInfo node, CycleState state) =>
        node.Unschedulable && !Tolerations.Tolerates(pod.Pod.Spec?.Tolerations, UnschedulableTaint) ? Cordoned : null;
}
