using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s.Models;

namespace Skiff.Networking.EndpointSlices;

/// <summary>
/// How a pod appears behind a Service, as upstream's endpoint utilities decide it: whether it is in the endpoints
/// at all, its ready/serving/terminating conditions, the port each service port reaches on it (named target ports
/// are resolved per pod, so two pods may answer one service port on different numbers) and its hostname.
/// </summary>
public static class PodEndpoints
{
    /// <summary>
    /// Upstream's ShouldPodBeInEndpoints: a pod needs an IP; a pod that will not run again (Succeeded, or Failed
    /// unless restarted) is out; a terminating pod is out unless <paramref name="includeTerminating"/> (slices keep
    /// terminating pods with terminating=true, Endpoints drop them).
    /// </summary>
    public static bool ShouldInclude(V1Pod pod, bool includeTerminating)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (Addresses(pod).Count == 0)
        {
            return false;
        }

        if (!includeTerminating && pod.Metadata.DeletionTimestamp is not null)
        {
            return false;
        }

        var phase = pod.Status?.Phase;
        return (pod.Spec?.RestartPolicy) switch
        {
            "Never" => phase is not ("Failed" or "Succeeded"),
            "OnFailure" => phase != "Succeeded",
            _ => true,
        };
    }

    /// <summary>The pod's Ready condition is True.</summary>
    public static bool IsReady(V1Pod pod) =>
        pod?.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    public static bool IsTerminating(V1Pod pod) => pod?.Metadata.DeletionTimestamp is not null;

    /// <summary>
    /// The EndpointSlice conditions (upstream's podToEndpoint): serving is readiness, whatever termination;
    /// ready is serving and not terminating; publishNotReadyAddresses makes both true.
    /// </summary>
    public static V1EndpointConditions Conditions(V1Pod pod, V1Service service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var publish = service.Spec?.PublishNotReadyAddresses == true;
        var serving = publish || IsReady(pod);
        var terminating = IsTerminating(pod);
        return new V1EndpointConditions
        {
            Ready = publish || (serving && !terminating),
            Serving = serving,
            Terminating = terminating,
        };
    }

    /// <summary>The pod's IPs (status.podIPs, else status.podIP).</summary>
    public static IReadOnlyList<string> Addresses(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var ips = (pod.Status?.PodIPs ?? []).Select(p => p.Ip).Where(ip => !string.IsNullOrEmpty(ip)).ToList();
        if (ips.Count == 0 && !string.IsNullOrEmpty(pod.Status?.PodIP))
        {
            ips.Add(pod.Status.PodIP);
        }

        return ips;
    }

    /// <summary>The pod's address of <paramref name="addressType"/> (IPv4 or IPv6), or null.</summary>
    public static string? AddressOf(V1Pod pod, string addressType)
    {
        var family = addressType == "IPv6" ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        return Addresses(pod).FirstOrDefault(ip => IPAddress.TryParse(ip, out var a) && a.AddressFamily == family);
    }

    /// <summary>
    /// The port on the pod that <paramref name="servicePort"/> reaches: the target port's number, or the number of
    /// the pod's container port with that name and protocol; no target port means the service port's own number.
    /// Null when a named port is not declared by this pod (the pod is then not an endpoint for that port).
    /// </summary>
    public static int? TargetPort(V1Pod pod, V1ServicePort servicePort)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(servicePort);
        var target = servicePort.TargetPort?.Value;
        if (string.IsNullOrEmpty(target))
        {
            return servicePort.Port;
        }

        if (int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        var protocol = servicePort.Protocol ?? "TCP";
        return (pod.Spec?.Containers ?? [])
            .SelectMany(c => c.Ports ?? [])
            .FirstOrDefault(p => p.Name == target && (p.Protocol ?? "TCP") == protocol)?.ContainerPort;
    }

    /// <summary>Upstream's ShouldSetHostname: a pod with a hostname whose subdomain is the Service's name.</summary>
    public static string? Hostname(V1Pod pod, V1Service service)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(service);
        return !string.IsNullOrEmpty(pod.Spec?.Hostname) && pod.Spec.Subdomain == service.Metadata.Name
            && pod.Metadata.NamespaceProperty == service.Metadata.NamespaceProperty
            ? pod.Spec.Hostname
            : null;
    }

    /// <summary>A reference to the pod, as endpoints carry it.</summary>
    public static V1ObjectReference Reference(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return new V1ObjectReference
        {
            Kind = "Pod",
            NamespaceProperty = pod.Metadata.NamespaceProperty,
            Name = pod.Metadata.Name,
            Uid = pod.Metadata.Uid,
        };
    }
}
