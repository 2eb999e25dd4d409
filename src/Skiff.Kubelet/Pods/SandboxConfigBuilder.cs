using k8s.Models;
using Skiff.Cri.V1;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Builds the CRI PodSandboxConfig of a pod. Deterministic: the same pod and attempt always give the same config,
/// so CreateContainer can be sent the exact config the sandbox was run with.
/// </summary>
public sealed class SandboxConfigBuilder(KubeletOptions options, PodPaths paths)
{
    public PodSandboxConfig Build(V1Pod pod, uint attempt)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var meta = pod.Metadata;
        var spec = pod.Spec;
        var config = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata
            {
                Name = meta.Name,
                Uid = meta.Uid,
                Namespace = meta.NamespaceProperty ?? "default",
                Attempt = attempt,
            },
            Hostname = spec.HostNetwork == true ? "" : Truncate(spec.Hostname ?? meta.Name, 63),
            LogDirectory = paths.LogDir(pod),
            Linux = new LinuxPodSandboxConfig
            {
                CgroupParent = PodCgroups.CgroupParent(pod),
                SecurityContext = new LinuxSandboxSecurityContext { NamespaceOptions = NamespaceOptions(spec) },
            },
        };

        config.DnsConfig = DnsConfig(pod);

        foreach (var (key, value) in meta.Labels ?? new Dictionary<string, string>())
        {
            config.Labels[key] = value;
        }

        config.Labels[KubeletLabels.PodName] = meta.Name;
        config.Labels[KubeletLabels.PodNamespace] = config.Metadata.Namespace;
        config.Labels[KubeletLabels.PodUid] = meta.Uid;
        config.Labels[KubeletLabels.Node] = options.EffectiveNodeName;
        foreach (var (key, value) in meta.Annotations ?? new Dictionary<string, string>())
        {
            config.Annotations[key] = value;
        }

        foreach (var container in spec.Containers ?? [])
        {
            foreach (var port in container.Ports ?? [])
            {
                if (port.HostPort is > 0)
                {
                    config.PortMappings.Add(new PortMapping
                    {
                        Protocol = ProtocolOf(port.Protocol),
                        ContainerPort = port.ContainerPort,
                        HostPort = port.HostPort.Value,
                        HostIp = port.HostIP ?? "",
                    });
                }
            }
        }

        return config;
    }

    /// <summary>Network and IPC follow hostNetwork/hostIPC; PID is per container unless the pod shares its process
    /// namespace. Set explicitly: the proto default (0) would mean a pod-wide PID namespace.</summary>
    public static NamespaceOption NamespaceOptions(V1PodSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new NamespaceOption
        {
            Network = spec.HostNetwork == true ? NamespaceMode.Node : NamespaceMode.Pod,
            Ipc = spec.HostIPC == true ? NamespaceMode.Node : NamespaceMode.Pod,
            Pid = spec.HostPID == true ? NamespaceMode.Node
                : spec.ShareProcessNamespace == true ? NamespaceMode.Pod
                : NamespaceMode.Container,
        };
    }

    public static Protocol ProtocolOf(string? protocol) => protocol switch
    {
        "UDP" => Protocol.Udp,
        "SCTP" => Protocol.Sctp,
        _ => Protocol.Tcp,
    };

    /// <summary>The pod's resolv.conf by dnsPolicy (<see cref="PodDns"/>).</summary>
    private DNSConfig DnsConfig(V1Pod pod) => PodDns.Build(pod, [.. options.ClusterDns], options.ClusterDomain, _hostResolvConf.Value);

    // The host's resolv.conf, read once: a small local file, and Build must stay deterministic for one pod.
    private readonly Lazy<Skiff.Api.Dns.ResolvConf> _hostResolvConf = new(() =>
        File.Exists(options.ResolvConf) ? Skiff.Api.Dns.ResolvConf.Parse(File.ReadAllText(options.ResolvConf)) : Skiff.Api.Dns.ResolvConf.Empty);

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}
