using Skiff.Scheduler.Cache;

namespace Skiff.Scheduler.Framework;

/// <summary>A filter plugin: whether a pod may run on a node. <see cref="Filter"/> runs in parallel over nodes and
/// must only read.</summary>
public interface IFilterPlugin
{
    string Name { get; }

    /// <summary>Per-pod work before the nodes are filtered (upstream's PreFilter), e.g. counting matching pods per
    /// topology domain. Returns a failure that makes every node fail, or null.</summary>
    FilterFailure? PreFilter(PodInfo pod, NodeInfo[] nodes, CycleState state) => null;

    /// <summary>Null when the pod fits the node.</summary>
    FilterFailure? Filter(PodInfo pod, NodeInfo node, CycleState state);
}
