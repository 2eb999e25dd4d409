using k8s.Models;

namespace Skiff.Kubelet.Pods;

/// <summary>Where a pod's files live on the host.</summary>
public sealed class PodPaths(KubeletOptions options)
{
    public string PodDir(string uid) => Path.Combine(options.RootDir, "pods", uid);

    public string VolumesDir(string uid) => Path.Combine(PodDir(uid), "volumes");

    /// <summary><c>&lt;logs&gt;/&lt;ns&gt;_&lt;name&gt;_&lt;uid&gt;</c>, the CRI log_directory of the pod's sandbox.</summary>
    public string LogDir(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return LogDir(pod.Metadata.NamespaceProperty ?? "default", pod.Metadata.Name, pod.Metadata.Uid);
    }

    public string LogDir(string namespaceName, string name, string uid) =>
        Path.Combine(options.PodLogsDir, $"{namespaceName}_{name}_{uid}");
}
