using k8s.Models;

namespace Skiff.Networking.EndpointSlices;

/// <summary>
/// The core/v1 Endpoints of a selector Service (upstream's endpoints controller): ready pods under addresses, the
/// others under notReadyAddresses (publishNotReadyAddresses puts all under addresses and keeps terminating pods),
/// one subset per resolved port set, addresses sorted, at most 1000 addresses (the rest dropped and the object
/// annotated over-capacity). Pure.
/// </summary>
public static class EndpointsBuilder
{
    public static (IList<V1EndpointSubset> Subsets, bool OverCapacity) Subsets(V1Service service, IEnumerable<V1Pod> pods)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(pods);
        var publish = service.Spec?.PublishNotReadyAddresses == true;
        var addressType = ServiceEndpoints.AddressTypes(service)[0];
        var bySet = new SortedDictionary<string, (List<Corev1EndpointPort> Ports, List<V1EndpointAddress> Ready, List<V1EndpointAddress> NotReady)>(StringComparer.Ordinal);
        var total = 0;
        var over = false;
        foreach (var pod in pods.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            if (!PodEndpoints.ShouldInclude(pod, includeTerminating: publish))
            {
                continue;
            }

            var ip = PodEndpoints.AddressOf(pod, addressType);
            if (ip is null)
            {
                continue;
            }

            if (total == EndpointSliceLabels.MaxEndpointsAddresses)
            {
                over = true;
                break;
            }

            total++;
            var ports = ServiceEndpoints.Ports(service, pod)
                .Select(p => new Corev1EndpointPort { Name = string.IsNullOrEmpty(p.Name) ? null : p.Name, Port = p.Port ?? 0, Protocol = p.Protocol, AppProtocol = p.AppProtocol })
                .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Port).ToList();
            var key = string.Join(",", ports.Select(p => $"{p.Name}/{p.Protocol}/{p.Port}"));
            if (!bySet.TryGetValue(key, out var subset))
            {
                subset = (ports, [], []);
                bySet[key] = subset;
            }

            var nodeName = pod.Spec?.NodeName;
            var address = new V1EndpointAddress
            {
                Ip = ip,
                Hostname = PodEndpoints.Hostname(pod, service),
                NodeName = string.IsNullOrEmpty(nodeName) ? null : nodeName,
                TargetRef = PodEndpoints.Reference(pod),
            };
            (publish || PodEndpoints.IsReady(pod) ? subset.Ready : subset.NotReady).Add(address);
        }

        var subsets = bySet.Values.Select(s => new V1EndpointSubset
        {
            Addresses = s.Ready.Count > 0 ? [.. s.Ready.OrderBy(a => a.Ip, StringComparer.Ordinal)] : null,
            NotReadyAddresses = s.NotReady.Count > 0 ? [.. s.NotReady.OrderBy(a => a.Ip, StringComparer.Ordinal)] : null,
            Ports = s.Ports.Count > 0 ? s.Ports : null,
        }).ToList();
        return (subsets, over);
    }
}
