using k8s.Models;
using Skiff.Scheduler.Cache;

namespace Skiff.Scheduler.Framework;

/// <summary>A Filter extension point: whether the pod may run on the node, and if not, why (upstream's reason
/// strings, counted per node in FailedScheduling messages).</summary>
public interface IFilterPlugin
{
    string Name { get; }

    /// <returns>Null when the node fits; otherwise the reasons it does not (e.g. <c>Insufficient cpu</c>).</returns>
    IReadOnlyList<string>? Filter(SchedulingPod pod, NodeInfo node);
}

/// <summary>A Score extension point: 0 (worst) to 100 (best) per feasible node, times the plugin's weight.</summary>
public interface IScorePlugin
{
    string Name { get; }

    int Weight { get; }

    long Score(SchedulingPod pod, NodeInfo node);
}

/// <summary>The pod being scheduled with what plugins compute once per cycle instead of once per node.</summary>
public sealed class SchedulingPod(V1Pod pod)
{
    public V1Pod Pod { get; } = pod;

    public PodResources Requests { get; } = PodResources.Of(pod);

    public string Key { get; } = Client.Cache.ObjectKeys.Of(pod);
}
