using System.Globalization;
using k8s.Models;

namespace Skiff.Cli.Describe;

/// <summary>kubectl's <c>describe node</c> text: node fields, lease, resources of its non-terminated pods, events.</summary>
public static class NodeDescriber
{
    public static string Describe(V1Node node, V1Lease? lease, string? leaseError, IList<V1Pod>? pods, IList<Corev1Event>? events, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(node);
        var w = new PrefixWriter();
        var meta = node.Metadata;
        var status = node.Status ?? new V1NodeStatus();
        w.Write(0, $"Name:\t{meta.Name}\n");
        var roles = Roles(meta.Labels);
        w.Write(0, $"Roles:\t{(roles.Count > 0 ? string.Join(',', roles) : "<none>")}\n");
        CommonSections.Labels(w, "Labels", meta.Labels);
        CommonSections.Annotations(w, "Annotations", meta.Annotations);
        w.Write(0, $"CreationTimestamp:\t{DescribeFormat.Rfc1123Z(meta.CreationTimestamp)}\n");
        CommonSections.Taints(w, "Taints", node.Spec?.Taints);
        w.Write(0, $"Unschedulable:\t{(node.Spec?.Unschedulable == true ? "true" : "false")}\n");
        if (leaseError is not null)
        {
            w.Write(0, $"Lease:\tFailed to get lease: {leaseError}\n");
        }
        else
        {
            w.Write(0, "Lease:\n");
            w.Write(1, $"HolderIdentity:\t{lease?.Spec?.HolderIdentity ?? "<unset>"}\n");
            w.Write(1, $"AcquireTime:\t{(lease?.Spec?.AcquireTime is { } acquire ? DescribeFormat.Rfc1123Z(acquire) : "<unset>")}\n");
            w.Write(1, $"RenewTime:\t{(lease?.Spec?.RenewTime is { } renew ? DescribeFormat.Rfc1123Z(renew) : "<unset>")}\n");
        }

        if (status.Conditions is { Count: > 0 } conditions)
        {
            w.Write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n");
            w.Write(1, "----\t------\t-----------------\t------------------\t------\t-------\n");
            foreach (var c in conditions)
            {
                w.Write(1, $"{c.Type} \t{c.Status} \t{DescribeFormat.Rfc1123Z(c.LastHeartbeatTime)} \t{DescribeFormat.Rfc1123Z(c.LastTransitionTime)} \t{c.Reason} \t{c.Message}\n");
            }
        }

        w.Write(0, "Addresses:\n");
        foreach (var address in status.Addresses ?? [])
        {
            w.Write(1, $"{address.Type}:\t{address.Address}\n");
        }

        ResourceList(w, "Capacity", status.Capacity);
        ResourceList(w, "Allocatable", status.Allocatable);
        var info = status.NodeInfo;
        w.Write(0, "System Info:\n");
        w.Write(0, $"  Machine ID:\t{info?.MachineID}\n");
        w.Write(0, $"  System UUID:\t{info?.SystemUUID}\n");
        w.Write(0, $"  Boot ID:\t{info?.BootID}\n");
        w.Write(0, $"  Kernel Version:\t{info?.KernelVersion}\n");
        w.Write(0, $"  OS Image:\t{info?.OsImage}\n");
        w.Write(0, $"  Operating System:\t{info?.OperatingSystem}\n");
        w.Write(0, $"  Architecture:\t{info?.Architecture}\n");
        w.Write(0, $"  Container Runtime Version:\t{info?.ContainerRuntimeVersion}\n");
        w.Write(0, $"  Kubelet Version:\t{info?.KubeletVersion}\n");
        w.Write(0, $"  Kube-Proxy Version:\t{info?.KubeProxyVersion}\n");
        if (!string.IsNullOrEmpty(node.Spec?.PodCIDR))
        {
            w.Write(0, $"PodCIDR:\t{node.Spec.PodCIDR}\n");
        }

        if (node.Spec?.PodCIDRs is { Count: > 0 } cidrs)
        {
            w.Write(0, $"PodCIDRs:\t{string.Join(',', cidrs)}\n");
        }

        if (!string.IsNullOrEmpty(node.Spec?.ProviderID))
        {
            w.Write(0, $"ProviderID:\t{node.Spec.ProviderID}\n");
        }

        if (pods is null)
        {
            w.Write(0, "Pods:\tnot authorized\n");
        }
        else
        {
            PodResources(w, node, pods, now);
        }

        CommonSections.Events(w, events, now);
        return w.ToString();
    }

    private static List<string> Roles(IDictionary<string, string>? labels)
    {
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
        {
            if (key.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            {
                var role = key["node-role.kubernetes.io/".Length..];
                if (role.Length > 0)
                {
                    roles.Add(role);
                }
            }
            else if (key == "kubernetes.io/role" && value.Length > 0)
            {
                roles.Add(value);
            }
        }

        return [.. roles];
    }

    private static void ResourceList(PrefixWriter w, string title, IDictionary<string, ResourceQuantity>? list)
    {
        if (list is not { Count: > 0 })
        {
            return;
        }

        w.Write(0, $"{title}:\n");
        foreach (var name in list.Keys.OrderBy(k => k, StringComparer.Ordinal))
        {
            w.Write(0, $"  {name}:\t{list[name]}\n");
        }
    }

    private static void PodResources(PrefixWriter w, V1Node node, IList<V1Pod> pods, DateTimeOffset now)
    {
        w.Write(0, string.Create(CultureInfo.InvariantCulture, $"Non-terminated Pods:\t({pods.Count} in total)\n"));
        w.Write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n");
        w.Write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n");
        var allocatable = node.Status?.Allocatable is { Count: > 0 } a ? a : node.Status?.Capacity ?? new Dictionary<string, ResourceQuantity>();
        var cpu = Amount(allocatable, "cpu");
        var memory = Amount(allocatable, "memory");
        var storage = Amount(allocatable, "ephemeral-storage");
        var totalRequests = new Dictionary<string, decimal>();
        var totalLimits = new Dictionary<string, decimal>();
        foreach (var pod in pods)
        {
            var (requests, limits) = RequestsAndLimits(pod);
            foreach (var (k, v) in requests)
            {
                totalRequests[k] = totalRequests.GetValueOrDefault(k) + v;
            }

            foreach (var (k, v) in limits)
            {
                totalLimits[k] = totalLimits.GetValueOrDefault(k) + v;
            }

            var line = string.Create(CultureInfo.InvariantCulture,
                $"{pod.Metadata.NamespaceProperty}\t{pod.Metadata.Name}\t\t{Cpu(requests.GetValueOrDefault("cpu"))} ({Percent(requests.GetValueOrDefault("cpu"), cpu)}%)\t{Cpu(limits.GetValueOrDefault("cpu"))} ({Percent(limits.GetValueOrDefault("cpu"), cpu)}%)\t{Bytes(requests.GetValueOrDefault("memory"))} ({Percent(requests.GetValueOrDefault("memory"), memory)}%)\t{Bytes(limits.GetValueOrDefault("memory"))} ({Percent(limits.GetValueOrDefault("memory"), memory)}%)\t{DescribeFormat.Since(pod.Metadata.CreationTimestamp, now)}\n");
            w.Write(1, line);
        }

        w.Write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n");
        w.Write(1, "Resource\tRequests\tLimits\n");
        w.Write(1, "--------\t--------\t------\n");
        w.Write(1, string.Create(CultureInfo.InvariantCulture, $"cpu\t{Cpu(totalRequests.GetValueOrDefault("cpu"))} ({Percent(totalRequests.GetValueOrDefault("cpu"), cpu)}%)\t{Cpu(totalLimits.GetValueOrDefault("cpu"))} ({Percent(totalLimits.GetValueOrDefault("cpu"), cpu)}%)\n"));
        w.Write(1, string.Create(CultureInfo.InvariantCulture, $"memory\t{Bytes(totalRequests.GetValueOrDefault("memory"))} ({Percent(totalRequests.GetValueOrDefault("memory"), memory)}%)\t{Bytes(totalLimits.GetValueOrDefault("memory"))} ({Percent(totalLimits.GetValueOrDefault("memory"), memory)}%)\n"));
        w.Write(1, string.Create(CultureInfo.InvariantCulture, $"ephemeral-storage\t{Bytes(totalRequests.GetValueOrDefault("ephemeral-storage"))} ({Percent(totalRequests.GetValueOrDefault("ephemeral-storage"), storage)}%)\t{Bytes(totalLimits.GetValueOrDefault("ephemeral-storage"))} ({Percent(totalLimits.GetValueOrDefault("ephemeral-storage"), storage)}%)\n"));
        foreach (var name in allocatable.Keys.Where(k => k.StartsWith("hugepages-", StringComparison.Ordinal)).OrderBy(k => k, StringComparer.Ordinal))
        {
            var total = Amount(allocatable, name);
            w.Write(1, string.Create(CultureInfo.InvariantCulture, $"{name}\t{Bytes(totalRequests.GetValueOrDefault(name))} ({Percent(totalRequests.GetValueOrDefault(name), total)}%)\t{Bytes(totalLimits.GetValueOrDefault(name))} ({Percent(totalLimits.GetValueOrDefault(name), total)}%)\n"));
        }

        foreach (var name in allocatable.Keys.Where(k => k.Contains('/', StringComparison.Ordinal) && !k.StartsWith("requests.", StringComparison.Ordinal)).OrderBy(k => k, StringComparer.Ordinal))
        {
            w.Write(1, string.Create(CultureInfo.InvariantCulture, $"{name}\t{totalRequests.GetValueOrDefault(name)}\t{totalLimits.GetValueOrDefault(name)}\n"));
        }
    }

    private static decimal Amount(IDictionary<string, ResourceQuantity> list, string name) =>
        list.TryGetValue(name, out var q) ? q.ToDecimal() : 0m;

    private static long Percent(decimal value, decimal total) => total == 0 ? 0 : (long)Math.Truncate(value / total * 100);

    /// <summary>A CPU amount as Kubernetes prints quantities: <c>0</c>, <c>100m</c>, <c>2</c>.</summary>
    internal static string Cpu(decimal cores) =>
        cores == 0 ? "0" : cores == decimal.Truncate(cores) ? cores.ToString("0", CultureInfo.InvariantCulture) : (cores * 1000).ToString("0", CultureInfo.InvariantCulture) + "m";

    /// <summary>A byte amount in canonical binary-SI form when it divides evenly (<c>64Mi</c>), else plain bytes.</summary>
    internal static string Bytes(decimal bytes)
    {
        if (bytes == 0)
        {
            return "0";
        }

        foreach (var (suffix, factor) in new[] { ("Ei", 1L << 60), ("Pi", 1L << 50), ("Ti", 1L << 40), ("Gi", 1L << 30), ("Mi", 1L << 20), ("Ki", 1L << 10) })
        {
            if (bytes % factor == 0)
            {
                return (bytes / factor).ToString("0", CultureInfo.InvariantCulture) + suffix;
            }
        }

        return bytes.ToString("0", CultureInfo.InvariantCulture);
    }

    /// <summary>A pod's effective requests and limits: the sum over containers, at least the largest init container.</summary>
    private static (Dictionary<string, decimal> Requests, Dictionary<string, decimal> Limits) RequestsAndLimits(V1Pod pod)
    {
        static Dictionary<string, decimal> Sum(IEnumerable<IDictionary<string, ResourceQuantity>?> lists)
        {
            var total = new Dictionary<string, decimal>();
            foreach (var list in lists)
            {
                foreach (var (k, v) in list ?? new Dictionary<string, ResourceQuantity>())
                {
                    total[k] = total.GetValueOrDefault(k) + v.ToDecimal();
                }
            }

            return total;
        }

        static void MaxInto(Dictionary<string, decimal> target, IEnumerable<IDictionary<string, ResourceQuantity>?> lists)
        {
            foreach (var list in lists)
            {
                foreach (var (k, v) in list ?? new Dictionary<string, ResourceQuantity>())
                {
                    target[k] = Math.Max(target.GetValueOrDefault(k), v.ToDecimal());
                }
            }
        }

        var containers = pod.Spec?.Containers ?? [];
        var init = pod.Spec?.InitContainers ?? [];
        var requests = Sum(containers.Select(c => c.Resources?.Requests));
        var limits = Sum(containers.Select(c => c.Resources?.Limits));
        MaxInto(requests, init.Select(c => c.Resources?.Requests));
        MaxInto(limits, init.Select(c => c.Resources?.Limits));
        return (requests, limits);
    }
}
