using k8s.Models;

namespace Skiff.Networking.EndpointSlices;

/// <summary>
/// The endpoint groups a selector Service wants from the pods it selects (upstream's podToEndpoint and
/// getEndpointPorts): one endpoint per pod and address family, grouped by the ports that resolve on that pod.
/// </summary>
public static class ServiceEndpoints
{
    /// <summary>The address types of the Service's IP families (IPv4 when it names none).</summary>
    public static IReadOnlyList<string> AddressTypes(V1Service service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var families = service.Spec?.IpFamilies;
        return families is { Count: > 0 } ? [.. families.Distinct(StringComparer.Ordinal)] : ["IPv4"];
    }

    /// <param name="zoneOfNode">The zone label of a node, or null.</param>
    public static IReadOnlyList<EndpointGroup> Groups(V1Service service, IEnumerable<V1Pod> pods, Func<string, string?> zoneOfNode)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(zoneOfNode);
        var groups = new Dictionary<string, (string AddressType, List<Discoveryv1EndpointPort> Ports, List<V1Endpoint> Endpoints)>(StringComparer.Ordinal);
        var addressTypes = AddressTypes(service);
        foreach (var pod in pods.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            if (!PodEndpoints.ShouldInclude(pod, includeTerminating: true))
            {
                continue;
            }

            var ports = Ports(service, pod);
            foreach (var addressType in addressTypes)
            {
                var address = PodEndpoints.AddressOf(pod, addressType);
                if (address is null)
                {
                    continue;
                }

                var key = EndpointGroup.KeyOf(addressType, ports);
                if (!groups.TryGetValue(key, out var group))
                {
                    group = (addressType, ports, []);
                    groups[key] = group;
                }

                var nodeName = pod.Spec?.NodeName;
                group.Endpoints.Add(new V1Endpoint
                {
                    Addresses = [address],
                    Conditions = PodEndpoints.Conditions(pod, service),
                    Hostname = PodEndpoints.Hostname(pod, service),
                    NodeName = string.IsNullOrEmpty(nodeName) ? null : nodeName,
                    Zone = string.IsNullOrEmpty(nodeName) ? null : zoneOfNode(nodeName),
                    TargetRef = PodEndpoints.Reference(pod),
                });
            }
        }

        return [.. groups.Values.Select(g => new EndpointGroup(g.AddressType, g.Ports, g.Endpoints))];
    }

    /// <summary>The service ports as they resolve on <paramref name="pod"/>; a named port the pod lacks is left out.</summary>
    public static List<Discoveryv1EndpointPort> Ports(V1Service service, V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(service);
        var ports = new List<Discoveryv1EndpointPort>();
        foreach (var servicePort in service.Spec?.Ports ?? [])
        {
            var target = PodEndpoints.TargetPort(pod, servicePort);
            if (target is null)
            {
                continue;
            }

            ports.Add(new Discoveryv1EndpointPort
            {
                Name = servicePort.Name ?? string.Empty,
                Port = target,
                Protocol = servicePort.Protocol ?? "TCP",
                AppProtocol = servicePort.AppProtocol,
            });
        }

        return ports;
    }

    /// <summary>The labels a Service's slices and Endpoints carry from it (upstream: the Service's own labels, and
    /// the headless label for clusterIP None).</summary>
    public static Dictionary<string, string> InheritedLabels(V1Service service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var labels = new Dictionary<string, string>(service.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        labels.Remove(EndpointSliceLabels.ServiceName);
        labels.Remove(EndpointSliceLabels.ManagedBy);
        if (service.Spec?.ClusterIP == "None")
        {
            labels[EndpointSliceLabels.Headless] = string.Empty;
        }

        return labels;
    }

    public static V1OwnerReference OwnerReference(V1Service service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return new V1OwnerReference
        {
            ApiVersion = "v1",
            Kind = "Service",
            Name = service.Metadata.Name,
            Uid = service.Metadata.Uid,
            Controller = true,
            BlockOwnerDeletion = true,
        };
    }

    /// <summary>Services that choose their endpoints by selector (a selector-less Service's endpoints are written
    /// by someone else; ExternalName Services have none).</summary>
    public static bool HasSelector(V1Service service) =>
        service?.Spec?.Selector is { Count: > 0 } && service.Spec.Type != "ExternalName";
}
