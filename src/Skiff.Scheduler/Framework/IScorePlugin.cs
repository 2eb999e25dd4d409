using Skiff.Scheduler.Cache;

namespace Skiff.Scheduler.Framework;

/// <summary>A score plugin: how good a feasible node is for a pod, 0..100 after <see cref="Normalize"/>, multiplied by
/// <see cref="Weight"/> (upstream's default weights).</summary>
public interface IScorePlugin
{
    string Name { get; }

    int Weight { get; }

    /// <summary>Per-pod work over the feasible nodes (upstream's PreScore). Return false to skip scoring this pod
    /// (the plugin has nothing to say, e.g. the pod has no preferences).</summary>
    bool PreScore(PodInfo pod, NodeInfo[] feasible, CycleState state) => true;

    long Score(PodInfo pod, NodeInfo node, CycleState state);

    /// <summary>Brings raw scores to 0..100 (e.g. relative to the best node). Default: scores are already there.</summary>
    void Normalize(PodInfo pod, Span<long> scores, CycleState state)
    {
    }
}
