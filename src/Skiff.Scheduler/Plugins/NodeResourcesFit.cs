using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>
/// Upstream's NodeResourcesFit: the pod's requests (and one more pod) must fit in the node's allocatable minus what
/// the pods already there request ("Too many pods", "Insufficient cpu", ...); scores by LeastAllocated (the share of
/// cpu and memory left free after placing the pod, equal weights).
/// </summary>
public sealed class NodeResourcesFit : IFilterPlugin, IScorePlugin
{
    public string Name => nameof(NodeResourcesFit);

    public int Weight => 1;

    public IReadOnlyList<string>? Filter(SchedulingPod pod, NodeInfo node)
    {
        List<string>? reasons = null;
        if (node.PodCount + 1 > node.Allocatable("pods"))
        {
            (reasons ??= []).Add("Too many pods");
        }

        foreach (var (name, amount) in pod.Requests.Amounts)
        {
            if (amount > 0 && node.Requested.GetValueOrDefault(name) + amount > node.Allocatable(name))
            {
                (reasons ??= []).Add($"Insufficient {name}");
            }
        }

        return reasons;
    }

    public long Score(SchedulingPod pod, NodeInfo node) =>
        (Free(PodResources.Cpu, pod, node) + Free(PodResources.Memory, pod, node)) / 2;

    /// <summary>Upstream counts a container without requests as 100m cpu and 200 MiB for scoring only.</summary>
    internal static long ScoringRequest(string resource, SchedulingPod pod) =>
        pod.Requests.Amounts.GetValueOrDefault(resource) is > 0 and var amount ? amount
            : resource == PodResources.Cpu ? 100 * Math.Max(1, pod.Pod.Spec?.Containers?.Count ?? 1)
            : 200L * 1024 * 1024 * Math.Max(1, pod.Pod.Spec?.Containers?.Count ?? 1);

    private static long Free(string resource, SchedulingPod pod, NodeInfo node)
    {
        var capacity = node.Allocatable(resource);
        if (capacity <= 0)
        {
            return 0;
        }

        var requested = node.Requested.GetValueOrDefault(resource) + ScoringRequest(resource, pod);
        return requested > capacity ? 0 : (capacity - requested) * 100 / capacity;
    }
}
