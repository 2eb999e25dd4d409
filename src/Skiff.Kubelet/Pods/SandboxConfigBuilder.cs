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

        var dns = DnsConfig(pod);
        if (dns is not null)
        {
            config.DnsConfig = dns;
        }

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

    /// <summary>The pod's resolv.conf by dnsPolicy, as the kubelet generates it; null means "copy the host's".</summary>
    private DNSConfig? DnsConfig(V1Pod pod)
    {
        var spec = pod.Spec;
        var policy = spec.DnsPolicy ?? "ClusterFirst";
        DNSConfig? dns = null;
        // ClusterFirst with hostNetwork falls back to the host's resolv.conf, as in Kubernetes.
        var clusterFirst = policy == "ClusterFirstWithHostNet" || (policy == "ClusterFirst" && spec.HostNetwork != true);
        if (policy == "None")
        {
            dns = new DNSConfig();
        }
        else if (clusterFirst && options.ClusterDns.Count > 0)
        {
            var ns = pod.Metadata.NamespaceProperty ?? "default";
            var domain = options.ClusterDomain;
            dns = new DNSConfig();
            dns.Servers.AddRange(options.ClusterDns);
            dns.Searches.AddRange([$"{ns}.svc.{domain}", $"svc.{domain}", domain]);
            dns.Options.Add("ndots:5");
        }

        var custom = spec.DnsConfig;
        if (custom is not null)
        {
            dns ??= new DNSConfig();
            dns.Servers.AddRange((custom.Nameservers ?? []).Where(s => !dns.Servers.Contains(s)));
            dns.Searches.AddRange((custom.Searches ?? []).Where(s => !dns.Searches.Contains(s)));
            foreach (var option in custom.Options ?? [])
            {
                var text = option.Value is null ? option.Name : $"{option.Name}:{option.Value}";
                var existing = dns.Options.ToList().FindIndex(o => o.Split(':')[0] == option.Name);
                if (existing >= 0)
                {
                    dns.Options[existing] = text;
                }
                else
                {
                    dns.Options.Add(text);
                }
            }
        }

        return dns;
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}
