namespace Skiff.Kubelet;

/// <summary>
/// Everything a kubelet needs to know about the node it runs on. Paths default to the places the real kubelet uses;
/// tests and a second kubelet on the same host point them at their own temp directories.
/// </summary>
public sealed class KubeletOptions
{
    /// <summary>Name of the Node object; the host name when not set.</summary>
    public string? NodeName { get; set; }

    /// <summary>Kubelet state: <c>pods/&lt;uid&gt;/volumes/...</c> lives here.</summary>
    public string RootDir { get; set; } = "/var/lib/kubelet";

    /// <summary>Root of the per-pod container log directories (<c>&lt;ns&gt;_&lt;name&gt;_&lt;uid&gt;</c>).</summary>
    public string PodLogsDir { get; set; } = "/var/log/pods";

    /// <summary>Unix socket of the CRI runtime (containerd).</summary>
    public string RuntimeEndpoint { get; set; } = "/run/containerd/containerd.sock";

    /// <summary>Mount point of the cgroup hierarchies; pod cgroup directories under it are removed with the pod.</summary>
    public string CgroupRoot { get; set; } = "/sys/fs/cgroup";

    /// <summary><c>--pod-cidr</c>: written to <c>spec.podCIDR</c>/<c>podCIDRs</c> of the Node when it has none (the
    /// node IPAM controller then marks it used); null: the node IPAM controller chooses.</summary>
    public string? PodCidr { get; set; }

    /// <summary>Directory of static pod manifests (YAML); none when not set.</summary>
    public string? PodManifestPath { get; set; }

    /// <summary>Nameservers put into pods with <c>dnsPolicy: ClusterFirst</c>; without them such pods get the host's resolv.conf.</summary>
    public IList<string> ClusterDns { get; } = new List<string>();

    /// <summary>The host's resolver configuration (kubelet's <c>--resolv-conf</c>): dnsPolicy Default, and the
    /// search domains appended for ClusterFirst.</summary>
    public string ResolvConf { get; set; } = "/etc/resolv.conf";

    /// <summary>Cluster domain for the DNS search path of ClusterFirst pods.</summary>
    public string ClusterDomain { get; set; } = "cluster.local";

    /// <summary>Extra labels put on the Node at registration.</summary>
    public IDictionary<string, string> NodeLabels { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Address reported as InternalIP; the host's primary IPv4 when not set.</summary>
    public string? NodeIp { get; set; }

    /// <summary>Port for the kubelet's own HTTPS server (logs, exec, attach, port-forward); 0 serves none.</summary>
    public int KubeletPort { get; set; } = 10250;

    /// <summary>The CA whose client certificates (the API server's) the kubelet's HTTPS server accepts.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCaCertificate { get; set; }

    /// <summary>Where the runtime keeps images and container layers (the imagefs of eviction signals); the kubelet's
    /// <see cref="RootDir"/> filesystem when not set.</summary>
    public string? ImageFsPath { get; set; }

    /// <summary>Hard eviction thresholds behind the MemoryPressure, DiskPressure and PIDPressure conditions.</summary>
    public Nodes.EvictionThresholds EvictionHard { get; set; } = new();

    /// <summary>The kubelet's serving certificate (with key), e.g. issued by the cluster CA when the node joined; a
    /// self-signed one is made when not set, like the real kubelet without <c>--tls-cert-file</c>.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ServingCertificate { get; set; }

    /// <summary>Maximum number of pods; reported as capacity and allocatable <c>pods</c>.</summary>
    public int MaxPods { get; set; } = 110;

    /// <summary>How often the node status is posted and the Lease renewed.</summary>
    public TimeSpan NodeStatusUpdateFrequency { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often each pod worker re-reads the runtime state of its pod when nothing else wakes it.</summary>
    public TimeSpan PodResyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often sandboxes of pods that are no longer in the API are looked for and removed.</summary>
    public TimeSpan OrphanCleanupInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The node has no registry (<c>--offline-images</c>): with <c>imagePullPolicy: Always</c> an image the
    /// runtime already has is used instead of pulled, where upstream's kubelet would pull and fail. Missing images
    /// are still pulled. Off by default: Always pulls, as upstream.</summary>
    public bool UsePresentImageForPullAlways { get; set; }

    /// <summary>Resolved node name: <see cref="NodeName"/> or the lower-cased host name.</summary>
    public string EffectiveNodeName =>
        string.IsNullOrEmpty(NodeName) ? Environment.MachineName.ToLowerInvariant() : NodeName;
}
