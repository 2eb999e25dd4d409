using k8s.Models;

namespace Skiff.Kubelet.Pods;

/// <summary>The pod's QoS class by Kubernetes' rules, and the cgroupfs parent the kubelet runs it under.</summary>
public static class PodQos
{
    public const string Guaranteed = "Guaranteed";
    public const string Burstable = "Burstable";
    public const string BestEffort = "BestEffort";

    public static string ClassOf(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var containers = (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers ?? []).ToList();
        var any = false;
        var guaranteed = true;
        foreach (var container in containers)
        {
            var requests = container.Resources?.Requests;
            var limits = container.Resources?.Limits;
            foreach (var resource in new[] { "cpu", "memory" })
            {
                var request = Get(requests, resource) ?? Get(limits, resource);
                var limit = Get(limits, resource);
                if (request is > 0 || limit is > 0)
                {
                    any = true;
                }

                if (limit is null or 0 || request != limit)
                {
                    guaranteed = false;
                }
            }
        }

        return !any ? BestEffort : guaranteed ? Guaranteed : Burstable;
    }

    /// <summary><c>/kubepods/pod&lt;uid&gt;</c> for Guaranteed, <c>/kubepods/&lt;qos&gt;/pod&lt;uid&gt;</c> otherwise.</summary>
    public static string CgroupParent(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return ClassOf(pod) switch
        {
            Guaranteed => $"/kubepods/pod{pod.Metadata.Uid}",
            Burstable => $"/kubepods/burstable/pod{pod.Metadata.Uid}",
            _ => $"/kubepods/besteffort/pod{pod.Metadata.Uid}",
        };
    }

    private static decimal? Get(IDictionary<string, ResourceQuantity>? resources, string name) =>
        resources is not null && resources.TryGetValue(name, out var quantity) ? quantity.ToDecimal() : null;
}
