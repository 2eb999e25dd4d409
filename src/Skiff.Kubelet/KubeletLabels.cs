namespace Skiff.Kubelet;

/// <summary>Label and annotation keys the kubelet puts on sandboxes and containers, as the real kubelet names them.</summary>
public static class KubeletLabels
{
    public const string PodName = "io.kubernetes.pod.name";
    public const string PodNamespace = "io.kubernetes.pod.namespace";
    public const string PodUid = "io.kubernetes.pod.uid";
    public const string ContainerName = "io.kubernetes.container.name";

    /// <summary>Marks sandboxes and containers created by a Skiff kubelet, with the node it runs; orphan cleanup and
    /// adoption only touch these, so several kubelets may share one containerd.</summary>
    public const string Node = "skiff.io/kubelet-node";

    /// <summary>Set on containers: "init" for init containers, "regular" otherwise.</summary>
    public const string ContainerType = "skiff.io/container-type";

    /// <summary>Annotation with the container's termination grace period and restart bookkeeping.</summary>
    public const string RestartCount = "io.kubernetes.container.restartCount";

    public const string ConfigSource = "kubernetes.io/config.source";
    public const string ConfigMirror = "kubernetes.io/config.mirror";
    public const string ConfigHash = "kubernetes.io/config.hash";
}
