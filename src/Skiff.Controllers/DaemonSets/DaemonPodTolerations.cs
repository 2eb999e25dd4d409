using k8s.Models;

namespace Skiff.Controllers.DaemonSets;

/// <summary>The tolerations upstream's daemon controller adds to every daemon pod (util.AddOrUpdateDaemonPodTolerations):
/// a daemon keeps running on a not-ready or unreachable node (NoExecute, no tolerationSeconds) and is placed despite
/// node pressure and cordoning; a hostNetwork daemon also despite an unavailable pod network.</summary>
public static class DaemonPodTolerations
{
    public static void AddTo(V1PodSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Tolerations ??= [];
        Add(spec, "node.kubernetes.io/not-ready", "NoExecute");
        Add(spec, "node.kubernetes.io/unreachable", "NoExecute");
        Add(spec, "node.kubernetes.io/disk-pressure", "NoSchedule");
        Add(spec, "node.kubernetes.io/memory-pressure", "NoSchedule");
        Add(spec, "node.kubernetes.io/pid-pressure", "NoSchedule");
        Add(spec, "node.kubernetes.io/unschedulable", "NoSchedule");
        if (spec.HostNetwork == true)
        {
            Add(spec, "node.kubernetes.io/network-unavailable", "NoSchedule");
        }
    }

    private static void Add(V1PodSpec spec, string key, string effect)
    {
        var toleration = new V1Toleration { Key = key, OperatorProperty = "Exists", Effect = effect };
        // upstream's AddOrUpdateTolerationInPodSpec: a toleration of the same key and effect is replaced.
        var existing = spec.Tolerations.ToList().FindIndex(t => t.Key == key && t.Effect == effect);
        if (existing >= 0)
        {
            spec.Tolerations[existing] = toleration;
        }
        else
        {
            spec.Tolerations.Add(toleration);
        }
    }
}
