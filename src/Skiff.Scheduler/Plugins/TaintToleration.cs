using k8s.Models;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>
/// Upstream's TaintToleration: filters out nodes with a NoSchedule or NoExecute taint the pod does not tolerate
/// ("node(s) had untolerated taint {key: value}"), and scores down nodes by the PreferNoSchedule taints it does not
/// tolerate.
/// </summary>
public sealed class TaintToleration : IFilterPlugin, IScorePlugin
{
    public string Name => nameof(TaintToleration);

    public int Weight => 3;

    public IReadOnlyList<string>? Filter(SchedulingPod pod, NodeInfo node)
    {
        var tolerations = pod.Pod.Spec?.Tolerations ?? [];
        foreach (var taint in node.Node?.Spec?.Taints ?? [])
        {
            if (taint.Effect is "NoSchedule" or "NoExecute" && !tolerations.Any(t => Tolerates(t, taint)))
            {
                return [$"node(s) had untolerated taint {{{taint.Key}: {taint.Value}}}"];
            }
        }

        return null;
    }

    /// <summary>Fewer intolerable PreferNoSchedule taints score higher (normalized as upstream: 100 − 100·n/max,
    /// approximated per node against a maximum of 10).</summary>
    public long Score(SchedulingPod pod, NodeInfo node)
    {
        var tolerations = pod.Pod.Spec?.Tolerations ?? [];
        var intolerable = (node.Node?.Spec?.Taints ?? []).Count(t => t.Effect == "PreferNoSchedule" && !tolerations.Any(x => Tolerates(x, t)));
        return Math.Max(0, 100 - (intolerable * 10));
    }

    /// <summary>Whether a toleration matches a taint (key, operator Exists/Equal, value, effect; empty key with
    /// Exists matches every taint; empty effect every effect).</summary>
    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        ArgumentNullException.ThrowIfNull(toleration);
        ArgumentNullException.ThrowIfNull(taint);
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }

        if (string.IsNullOrEmpty(toleration.Key))
        {
            return toleration.OperatorProperty == "Exists";
        }

        if (toleration.Key != taint.Key)
        {
            return false;
        }

        return toleration.OperatorProperty switch
        {
            "Exists" => true,
            "Equal" or null or "" => (toleration.Value ?? string.Empty) == (taint.Value ?? string.Empty),
            _ => false,
        };
    }
}
