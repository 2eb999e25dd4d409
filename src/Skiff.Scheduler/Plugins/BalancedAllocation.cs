using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>Upstream's NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory would be used in equal
/// shares after placing the pod (100 − 100·|cpu share − memory share| for two resources).</summary>
public sealed class BalancedAllocation : IScorePlugin
{
    public string Name => "NodeResourcesBalancedAllocation";

    public int Weight => 1;

    public long Score(SchedulingPod pod, NodeInfo node)
    {
        var cpu = Share(PodResources.Cpu, pod, node);
        var memory = Share(PodResources.Memory, pod, node);
        return (long)((1 - Math.Abs(cpu - memory)) * 100);
    }

    private static double Share(string resource, SchedulingPod pod, NodeInfo node)
    {
        var capacity = node.Allocatable(resource);
        return capacity <= 0 ? 1 : Math.Min(1, (node.Requested.GetValueOrDefault(resource) + NodeResourcesFit.ScoringRequest(resource, pod)) / (double)capacity);
    }
}
