using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>
/// Upstream's NodeResourcesBalancedAllocation: prefers nodes whose CPU and memory would be used in equal shares
/// after placing the pod: score = (1 - standard deviation of the shares) × 100.
/// </summary>
public sealed class BalancedAllocation : IScorePlugin
{
    public string Name => "NodeResourcesBalancedAllocation";

    public int Weight => 1;

    public long Score(PodInfo pod, NodeInfo node, CycleState state)
    {
        var cpu = Share(node.Requested.MilliCpu + pod.Requests.MilliCpu, node.Allocatable.MilliCpu);
        var memory = Share(node.Requested.Memory + pod.Requests.Memory, node.Allocatable.Memory);

        // With two resources the standard deviation is half their difference.
        var std = Math.Abs(cpu - memory) / 2;
        return (long)((1 - std) * ScoreNormalizer.MaxNodeScore);
    }

    private static double Share(long requested, long capacity) =>
        capacity == 0 ? 0 : Math.Min(1, (double)requested / capacity);
}
