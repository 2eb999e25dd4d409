using System.Globalization;
using k8s.Models;

namespace Skiff.Kubelet.Nodes;

/// <summary>Builds the Node object and its status the way the real kubelet fills them; the pressure conditions come
/// from <paramref name="pressure"/>'s readings of the host.</summary>
public sealed class NodeStatusBuilder(KubeletOptions options, HostInfo host, NodePressureMonitor pressure, TimeProvider time)
{
    public const string KubeletVersion = "v1.32.0";

    public string NodeName { get; } = options.EffectiveNodeName;

    /// <summary>The Node as first registered: metadata and spec, plus a full status.</summary>
    public V1Node NewNode(string runtimeVersion, bool runtimeReady)
    {
        var node = new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta { Name = NodeName, Labels = new Dictionary<string, string>() },
            Spec = new V1NodeSpec(),
        };
        ApplyMetadataAndSpec(node);
        node.Status = BuildStatus(null, runtimeVersion, runtimeReady);
        return node;
    }

    /// <summary>Puts the kubelet-owned labels and spec fields on <paramref name="node"/>; true when something changed.</summary>
    public bool ApplyMetadataAndSpec(V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var changed = false;
        node.Metadata.Labels ??= new Dictionary<string, string>();
        var wanted = new Dictionary<string, string>(options.NodeLabels, StringComparer.Ordinal)
        {
            ["kubernetes.io/hostname"] = NodeName,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["beta.kubernetes.io/os"] = "linux",
            ["beta.kubernetes.io/arch"] = "amd64",
        };
        foreach (var (key, value) in wanted)
        {
            if (!node.Metadata.Labels.TryGetValue(key, out var existing) || existing != value)
            {
                node.Metadata.Labels[key] = value;
                changed = true;
            }
        }

        node.Spec ??= new V1NodeSpec();
        // --pod-cidr only fills an empty range: a range once set (by the node IPAM controller or an earlier start)
        // may not change (API validation), and upstream's kubelet sets it at creation only.
        if (!string.IsNullOrEmpty(options.PodCidr) && string.IsNullOrEmpty(node.Spec.PodCIDR))
        {
            node.Spec.PodCIDR = options.PodCidr;
            node.Spec.PodCIDRs = [options.PodCidr];
            changed = true;
        }

        return changed;
    }

    /// <summary>A fresh status; condition transition times carry over from <paramref name="previous"/> when the
    /// condition's status did not change, heartbeat times are now.</summary>
    public V1NodeStatus BuildStatus(V1NodeStatus? previous, string runtimeVersion, bool runtimeReady)
    {
        // API times (metav1.Time) have whole seconds.
        var utc = time.GetUtcNow().UtcDateTime;
        var now = new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        var resources = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(host.CpuCount.ToString(CultureInfo.InvariantCulture)),
            ["memory"] = new($"{host.MemoryBytes / 1024}Ki"),
            ["pods"] = new(options.MaxPods.ToString(CultureInfo.InvariantCulture)),
            ["ephemeral-storage"] = new($"{host.EphemeralStorageBytes / 1024}Ki"),
            ["hugepages-1Gi"] = new("0"),
            ["hugepages-2Mi"] = new("0"),
        };

        var pressed = pressure.Evaluate();
        var conditions = new List<V1NodeCondition>
        {
            pressed.Memory
                ? Condition(previous, "MemoryPressure", "True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available", now)
                : Condition(previous, "MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now),
            pressed.Disk
                ? Condition(previous, "DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure", now)
                : Condition(previous, "DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now),
            pressed.Pid
                ? Condition(previous, "PIDPressure", "True", "KubeletHasInsufficientPID", "kubelet has insufficient PID available", now)
                : Condition(previous, "PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now),
            runtimeReady
                ? Condition(previous, "Ready", "True", "KubeletReady", "kubelet is posting ready status", now)
                : Condition(previous, "Ready", "False", "KubeletNotReady", "container runtime is down", now),
        };

        return new V1NodeStatus
        {
            Capacity = resources,
            Allocatable = new Dictionary<string, ResourceQuantity>(resources),
            Conditions = conditions,
            Addresses =
            [
                new V1NodeAddress { Type = "InternalIP", Address = host.InternalIp },
                new V1NodeAddress { Type = "Hostname", Address = host.Hostname },
            ],
            DaemonEndpoints = new V1NodeDaemonEndpoints
            {
                KubeletEndpoint = new V1DaemonEndpoint { Port = options.KubeletPort },
            },
            NodeInfo = new V1NodeSystemInfo
            {
                Architecture = "amd64",
                OperatingSystem = "linux",
                OsImage = host.OsImage,
                KernelVersion = host.KernelVersion,
                KubeletVersion = KubeletVersion,
                KubeProxyVersion = "",
                ContainerRuntimeVersion = runtimeVersion,
                MachineID = host.MachineId,
                BootID = host.BootId,
                SystemUUID = host.SystemUuid,
            },
            Images = previous?.Images,
        };
    }

    private static V1NodeCondition Condition(
        V1NodeStatus? previous, string type, string status, string reason, string message, DateTime now)
    {
        var old = previous?.Conditions?.FirstOrDefault(c => c.Type == type);
        return new V1NodeCondition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            LastHeartbeatTime = now,
            LastTransitionTime = old is not null && old.Status == status && old.LastTransitionTime is not null
                ? old.LastTransitionTime
                : now,
        };
    }
}
