using k8s.Models;

namespace Skiff.Kubelet.Pods;

/// <summary>The cgroupfs parent the kubelet runs a pod under, by its QoS class (<see cref="Api.Pods.PodQos"/>).</summary>
public static class PodCgroups
{
    /// <summary><c>/kubepods/pod&lt;uid&gt;</c> for Guaranteed, <c>/kubepods/&lt;qos&gt;/pod&lt;uid&gt;</c> otherwise.</summary>
    public static string CgroupParent(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return Skiff.Api.Pods.PodQos.ClassOf(pod) switch
        {
            Skiff.Api.Pods.PodQos.Guaranteed => $"/kubepods/pod{pod.Metadata.Uid}",
            Skiff.Api.Pods.PodQos.Burstable => $"/kubepods/burstable/pod{pod.Metadata.Uid}",
            _ => $"/kubepods/besteffort/pod{pod.Metadata.Uid}",
        };
    }
}
