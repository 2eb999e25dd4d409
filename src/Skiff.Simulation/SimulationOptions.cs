namespace Skiff.Simulation;

/// <summary>What the simulated nodes look like and how often they report (KWOK's node template and stages, the
/// parts Skiff has). Defaults are KWOK's node: 32 cpu, 256Gi, 110 pods.</summary>
public sealed record SimulationOptions
{
    /// <summary>The pod annotation that makes a <c>restartPolicy: Never</c> pod complete (Succeeded) this many
    /// seconds after it started running on a simulated node. Without it such a pod runs until deleted.</summary>
    public const string RunSecondsAnnotation = "skiff.dev/simulated-run-seconds";

    /// <summary>KWOK's marker: nodes carry the label <c>type=kwok</c>, so manifests written for KWOK select them.</summary>
    public const string MarkerLabel = "type";

    public const string MarkerValue = "kwok";

    /// <summary>KWOK's annotation naming a node it manages.</summary>
    public const string ManagedAnnotation = "kwok.x-k8s.io/node";

    public const string LeaseNamespace = "kube-node-lease";

    /// <summary>How many nodes: <c>&lt;prefix&gt;0</c> … <c>&lt;prefix&gt;N-1</c>.</summary>
    public int Count { get; init; }

    public string NamePrefix { get; init; } = "sim-node-";

    public string Cpu { get; init; } = "32";

    public string Memory { get; init; } = "256Gi";

    public int Pods { get; init; } = 110;

    /// <summary>The nodes' <c>topology.kubernetes.io/zone</c> labels, assigned round robin.</summary>
    public IReadOnlyList<string> Zones { get; init; } = ["zone-a", "zone-b", "zone-c"];

    /// <summary>Extra labels for every simulated node.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Node i gets the i-th /24 of this range as its <c>spec.podCIDR</c> (unless the Node already has one).
    /// 10.128.0.0/10 holds 16,384 nodes and overlaps neither the Service range nor a real node's default pod range.</summary>
    public string ClusterCidr { get; init; } = "10.128.0.0/10";

    /// <summary>Node i's InternalIP is the i-th address of this range (after the network address).</summary>
    public string NodeIpRange { get; init; } = "10.127.0.0/16";

    /// <summary>The Lease in kube-node-lease: duration 40 s, renewed every 10 s (upstream kubelet's).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(40);

    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the Node's status is posted although nothing changed (upstream kubelet's
    /// nodeStatusReportFrequency): the Lease carries liveness, so this can be rare.</summary>
    public TimeSpan NodeStatusReportFrequency { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Workers of the node queue (registration, leases, status) and of the pod queue (status, deletion).</summary>
    public int NodeWorkers { get; init; } = 8;

    public int PodWorkers { get; init; } = 16;

    /// <summary>The name of node <paramref name="index"/>.</summary>
    public string NodeName(int index) => NamePrefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
