using Skiff.Api.Pods;
using System.Globalization;
using k8s.Models;
using Skiff.Cri.V1;

namespace Skiff.Kubelet.Pods;

/// <summary>Builds the CRI ContainerConfig of one container of a pod.</summary>
public sealed class ContainerConfigBuilder(KubeletOptions options)
{
    private const long CpuPeriod = 100_000;
    private const long MinShares = 2;

    public ContainerConfig Build(
        V1Pod pod,
        V1Container container,
        uint attempt,
        bool isInit,
        IReadOnlyList<KeyValuePair<string, string>> env,
        IReadOnlyDictionary<string, string> volumePaths,
        long nodeMemoryBytes)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(volumePaths);
        var values = env.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        string Expand(string s) => VariableExpansion.Expand(s, name => values.GetValueOrDefault(name));

        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = container.Name, Attempt = attempt },
            Image = new ImageSpec { Image = container.Image },
            WorkingDir = container.WorkingDir ?? "",
            LogPath = $"{container.Name}/{attempt}.log",
            Stdin = container.Stdin == true,
            StdinOnce = container.StdinOnce == true,
            Tty = container.Tty == true,
            Linux = new LinuxContainerConfig
            {
                Resources = Resources(pod, container, nodeMemoryBytes),
                SecurityContext = SecurityContext(pod, container),
            },
        };
        config.Command.AddRange((container.Command ?? []).Select(Expand));
        config.Args.AddRange((container.Args ?? []).Select(Expand));
        foreach (var (key, value) in env)
        {
            config.Envs.Add(new KeyValue { Key = key, Value = value });
        }

        foreach (var mount in container.VolumeMounts ?? [])
        {
            if (!volumePaths.TryGetValue(mount.Name, out var hostPath))
            {
                throw new ContainerConfigException($"unable to find volume \"{mount.Name}\" for container \"{container.Name}\"");
            }

            var subPath = mount.SubPath ?? (mount.SubPathExpr is null ? "" : Expand(mount.SubPathExpr));
            if (subPath.Length > 0)
            {
                if (subPath.Split('/').Contains("..") || Path.IsPathRooted(subPath))
                {
                    throw new ContainerConfigException($"subPath \"{subPath}\" must be a relative path without '..'");
                }

                hostPath = Path.Combine(hostPath, subPath);
                if (!Path.Exists(hostPath))
                {
                    Directory.CreateDirectory(hostPath);
                }
            }

            config.Mounts.Add(new Mount
            {
                ContainerPath = mount.MountPath,
                HostPath = hostPath,
                Readonly = mount.ReadOnlyProperty == true,
                Propagation = mount.MountPropagation switch
                {
                    "HostToContainer" => MountPropagation.PropagationHostToContainer,
                    "Bidirectional" => MountPropagation.PropagationBidirectional,
                    _ => MountPropagation.PropagationPrivate,
                },
            });
        }

        var ns = pod.Metadata.NamespaceProperty ?? "default";
        config.Labels[KubeletLabels.ContainerName] = container.Name;
        config.Labels[KubeletLabels.PodName] = pod.Metadata.Name;
        config.Labels[KubeletLabels.PodNamespace] = ns;
        config.Labels[KubeletLabels.PodUid] = pod.Metadata.Uid;
        config.Labels[KubeletLabels.Node] = options.EffectiveNodeName;
        config.Labels[KubeletLabels.ContainerType] = isInit ? "init" : "regular";
        config.Annotations[KubeletLabels.RestartCount] = attempt.ToString(CultureInfo.InvariantCulture);
        config.Annotations["io.kubernetes.container.terminationMessagePath"] =
            container.TerminationMessagePath ?? "/dev/termination-log";
        return config;
    }

    /// <summary>CPU shares from the request (1 core = 1024), CFS quota from the limit, memory limit in bytes, and the
    /// OOM score the kubelet gives the pod's QoS class.</summary>
    public static LinuxContainerResources Resources(V1Pod pod, V1Container container, long nodeMemoryBytes)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(container);
        var requests = container.Resources?.Requests;
        var limits = container.Resources?.Limits;
        var cpuLimit = Quantity(limits, "cpu");
        var cpuRequest = Quantity(requests, "cpu") ?? cpuLimit;
        var memoryLimit = Quantity(limits, "memory");
        var memoryRequest = Quantity(requests, "memory") ?? memoryLimit;

        var resources = new LinuxContainerResources
        {
            CpuShares = cpuRequest is null ? MinShares : Math.Max(MinShares, (long)(cpuRequest.Value * 1024)),
        };
        if (cpuLimit is > 0)
        {
            resources.CpuPeriod = CpuPeriod;
            resources.CpuQuota = Math.Max(1000, (long)(cpuLimit.Value * CpuPeriod));
        }

        if (memoryLimit is > 0)
        {
            resources.MemoryLimitInBytes = (long)memoryLimit.Value;
        }

        resources.OomScoreAdj = PodQos.ClassOf(pod) switch
        {
            PodQos.Guaranteed => -997,
            PodQos.BestEffort => 1000,
            _ => BurstableOomScore(memoryRequest ?? 0, nodeMemoryBytes),
        };
        return resources;
    }

    private static long BurstableOomScore(decimal memoryRequest, long nodeMemoryBytes)
    {
        if (nodeMemoryBytes <= 0)
        {
            return 999;
        }

        var score = 1000 - (long)(1000 * memoryRequest / nodeMemoryBytes);
        return Math.Clamp(score, 2, 999);
    }

    private static LinuxContainerSecurityContext SecurityContext(V1Pod pod, V1Container container)
    {
        var context = new LinuxContainerSecurityContext
        {
            NamespaceOptions = SandboxConfigBuilder.NamespaceOptions(pod.Spec),
        };
        var podContext = pod.Spec.SecurityContext;
        var own = container.SecurityContext;
        var runAsUser = own?.RunAsUser ?? podContext?.RunAsUser;
        if (runAsUser is not null)
        {
            context.RunAsUser = new Int64Value { Value = runAsUser.Value };
        }

        var runAsGroup = own?.RunAsGroup ?? podContext?.RunAsGroup;
        if (runAsGroup is not null)
        {
            context.RunAsGroup = new Int64Value { Value = runAsGroup.Value };
        }

        context.SupplementalGroups.AddRange((podContext?.SupplementalGroups ?? []).Where(g => g.HasValue).Select(g => g!.Value));
        context.Privileged = own?.Privileged == true;
        context.ReadonlyRootfs = own?.ReadOnlyRootFilesystem == true;
        context.NoNewPrivs = own?.AllowPrivilegeEscalation == false;
        if (own?.Capabilities is { } capabilities)
        {
            context.Capabilities = new Capability();
            context.Capabilities.AddCapabilities.AddRange(capabilities.Add ?? []);
            context.Capabilities.DropCapabilities.AddRange(capabilities.Drop ?? []);
        }

        return context;
    }

    private static decimal? Quantity(IDictionary<string, ResourceQuantity>? resources, string name) =>
        resources is not null && resources.TryGetValue(name, out var quantity) ? quantity.ToDecimal() : null;
}
