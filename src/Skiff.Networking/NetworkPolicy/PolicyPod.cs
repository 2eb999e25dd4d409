using k8s.Models;

namespace Skiff.Networking.NetworkPolicy;

/// <summary>What policy enforcement needs of a pod: where it is, its IPv4 address, labels and named ports.</summary>
public sealed record PolicyPod(string Namespace, string Name, string? NodeName, string Ip, IDictionary<string, string> Labels, IReadOnlyList<V1ContainerPort> Ports)
{
    /// <summary>A pod that has an IPv4 address of the pod network and is not finished; hostNetwork pods share the
    /// node's address and are not policed (as kube-router and Calico leave them).</summary>
    public static PolicyPod? From(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var ip = pod.Status?.PodIP;
        if (pod.Spec?.HostNetwork == true || pod.Status?.Phase is "Succeeded" or "Failed" || !AddressRanges.TryParse(ip, out _))
        {
            return null;
        }

        var ports = (pod.Spec?.Containers ?? []).SelectMany(c => c.Ports ?? []).ToList();
        return new PolicyPod(
            pod.Metadata?.NamespaceProperty ?? "default", pod.Metadata?.Name ?? string.Empty, pod.Spec?.NodeName, ip!,
            pod.Metadata?.Labels ?? new Dictionary<string, string>(), ports);
    }

    /// <summary>The container port named <paramref name="name"/> with <paramref name="protocol"/>, if any.</summary>
    public int? NamedPort(string name, string protocol) =>
        Ports.FirstOrDefault(p => p.Name == name && string.Equals(p.Protocol ?? "TCP", protocol, StringComparison.OrdinalIgnoreCase))?.ContainerPort;
}
