using k8s.Models;

namespace Skiff.Simulation;

/// <summary>The Node object and status of a simulated node (KWOK's default node template: Ready, no pressure,
/// the configured capacity, kubelet v1.32, marker label and annotation).</summary>
internal static class NodeTemplate
{
    public const string KubeletVersion = "v1.32.0";

    public static V1Node NewNode(SimulatedNode node, SimulationOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(options);
        var labels = new Dictionary<string, string>(options.Labels, StringComparer.Ordinal)
        {
            ["kubernetes.io/hostname"] = node.Name,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["beta.kubernetes.io/os"] = "linux",
            ["beta.kubernetes.io/arch"] = "amd64",
            [SimulationOptions.MarkerLabel] = SimulationOptions.MarkerValue,
        };
        if (options.Zones.Count > 0)
        {
            labels["topology.kubernetes.io/zone"] = options.Zones[node.Index % options.Zones.Count];
        }

        return new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta
            {
                Name = node.Name,
                Labels = labels,
                Annotations = new Dictionary<string, string>
                {
                    [SimulationOptions.ManagedAnnotation] = "fake",
                    ["node.alpha.kubernetes.io/ttl"] = "0",
                },
            },
            Spec = new V1NodeSpec { PodCIDR = node.PodCidr.ToString(), PodCIDRs = [node.PodCidr.ToString()] },
            Status = Status(null, node, options, now),
        };
    }

    /// <summary>The status to post: capacity, addresses, node info, and the conditions with a fresh heartbeat
    /// (a condition keeps its transition time while its status stays).</summary>
    public static V1NodeStatus Status(V1NodeStatus? previous, SimulatedNode node, SimulationOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(options);
        var capacity = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(options.Cpu),
            ["memory"] = new(options.Memory),
            ["pods"] = new(options.Pods.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ["ephemeral-storage"] = new("1Ti"),
        };
        return new V1NodeStatus
        {
            Capacity = capacity,
            Allocatable = new Dictionary<string, ResourceQuantity>(capacity),
            Addresses =
            [
                new V1NodeAddress { Type = "InternalIP", Address = node.InternalIp.ToString() },
                new V1NodeAddress { Type = "Hostname", Address = node.Name },
            ],
            DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = 10250 } },
            NodeInfo = new V1NodeSystemInfo
            {
                Architecture = "amd64",
                OperatingSystem = "linux",
                OsImage = "Skiff simulated node",
                KernelVersion = "simulated",
                KubeletVersion = KubeletVersion,
                KubeProxyVersion = "",
                ContainerRuntimeVersion = "simulated://1.0",
                MachineID = node.Name,
                SystemUUID = node.Name,
                BootID = node.Name,
            },
            Conditions =
            [
                Condition(previous, "MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now),
                Condition(previous, "DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now),
                Condition(previous, "PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now),
                Condition(previous, "Ready", "True", "KubeletReady", "kubelet is posting ready status", now),
            ],
        };
    }

    /// <summary>Whether <paramref name="status"/> says the node is Ready.</summary>
    public static bool IsReady(V1NodeStatus? status) =>
        status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static V1NodeCondition Condition(V1NodeStatus? previous, string type, string status, string reason, string message, DateTimeOffset now)
    {
        var before = previous?.Conditions?.FirstOrDefault(c => c.Type == type);
        return new V1NodeCondition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            LastHeartbeatTime = now.UtcDateTime,
            LastTransitionTime = before?.Status == status && before.LastTransitionTime is { } since ? since : now.UtcDateTime,
        };
    }
}
