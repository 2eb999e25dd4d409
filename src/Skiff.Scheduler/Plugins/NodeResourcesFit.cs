using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>
/// Upstream's NodeResourcesFit: the pod's requests (containers, the init-container max rule, overhead) must fit
/// in the node's allocatable minus what its pods request, and the node must have room for one more pod. Scores
/// with the LeastAllocated strategy (CPU and memory, weight 1 each, non-zero request defaults).
/// </summary>
public sealed class NodeResourcesFit : IFilterPlugin, IScorePlugin
{
    public static readonly FilterFailure TooManyPods = new("Too many pods", unresolvable: false);

    public string Name => "NodeResourcesFit";

    public int Weight => 1;

    public FilterFailure? Filter(PodInfo pod, NodeInfo node, CycleState state)
    {
        List<string>? reasons = null;
        if (node.PodCount + 1 > node.AllowedPodCount)
        {
            (reasons ??= []).Add("Too many pods");
        }

        var want = pod.Requests;
        var have = node.Allocatable;
        var used = node.Requested;
        if (want.MilliCpu > 0 && want.MilliCpu > have.MilliCpu - used.MilliCpu)
        {
            (reasons ??= []).Add("Insufficient cpu");
        }

        if (want.Memory > 0 && want.Memory > have.Memory - used.Memory)
        {
            (reasons ??= []).Add("Insufficient memory");
        }

        if (want.EphemeralStorage > 0 && want.EphemeralStorage > have.EphemeralStorage - used.EphemeralStorage)
        {
            (reasons ??= []).Add("Insufficient ephemeral-storage");
        }

        if (want.Scalar is not null)
        {
            foreach (var (name, amount) in want.Scalar)
            {
                if (amount > 0 && amount > have.ScalarOf(name) - used.ScalarOf(name))
                {
                    (reasons ??= []).Add($"Insufficient {name}");
                }
            }
        }

        return reasons is null ? null : new FilterFailure(reasons, Unresolvable: false);
    }

    public long Score(PodInfo pod, NodeInfo node, CycleState state)
    {
        var cpu = LeastAllocated(node.NonZeroRequested.MilliCpu + pod.NonZeroRequests.MilliCpu, node.Allocatable.MilliCpu);
        var memory = LeastAllocated(node.NonZeroRequested.Memory + pod.NonZeroRequests.Memory, node.Allocatable.Memory);
        return (cpu + memory) / 2;
    }

    /// <summary>Upstream's leastRequestedScore: the free share of the resource, 0..100.</summary>
    internal static long LeastAllocated(long requested, long capacity)
    {
        if (capacity == 0 || requested > capacity)
        {
            return 0;
        }

        return (capacity - requested) * ScoreNormalizer.MaxNodeScore / capacity;
    }
}
