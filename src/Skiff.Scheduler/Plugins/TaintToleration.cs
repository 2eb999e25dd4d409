using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>
/// Upstream's TaintToleration: a node with a NoSchedule or NoExecute taint the pod does not tolerate is filtered
/// out (this covers the node lifecycle's <c>not-ready</c> and <c>unreachable</c> taints); each untolerated
/// PreferNoSchedule taint lowers the node's score.
/// </summary>
public sealed class TaintToleration : IFilterPlugin, IScorePlugin
{
    public string Name => "TaintToleration";

    public int Weight => 3;

    // The loops index the list: `?? []` on an IList and foreach over the interface each allocate, per node per pod.
    public FilterFailure? Filter(PodInfo pod, NodeInfo node, CycleState state)
    {
        if (node.Taints is not { Count: > 0 } taints)
        {
            return null;
        }

        for (var i = 0; i < taints.Count; i++)
        {
            var taint = taints[i];
            if (taint.Effect is "NoSchedule" or "NoExecute" && !Tolerations.Tolerates(pod.Pod.Spec?.Tolerations, taint))
            {
                return new FilterFailure($"node(s) had untolerated taint {{{taint.Key}: {taint.Value}}}", unresolvable: true);
            }
        }

        return null;
    }

    public long Score(PodInfo pod, NodeInfo node, CycleState state)
    {
        if (node.Taints is not { Count: > 0 } taints)
        {
            return 0;
        }

        long count = 0;
        for (var i = 0; i < taints.Count; i++)
        {
            var taint = taints[i];
            if (taint.Effect == "PreferNoSchedule" && !Tolerations.Tolerates(pod.Pod.Spec?.Tolerations, taint))
            {
                count++;
            }
        }

        return count;
    }

    public void Normalize(PodInfo pod, Span<long> scores, CycleState state) => ScoreNormalizer.Normalize(scores, reverse: true);
}
