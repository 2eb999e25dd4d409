using System.Net;
using System.Net.Sockets;
using k8s.Models;

namespace Skiff.Networking.EndpointSlices;

/// <summary>
/// The endpoint groups mirrored from the Endpoints of a selector-less Service (upstream's endpointslicemirroring
/// controller): each subset's ports become a slice port set, addresses become ready endpoints and
/// notReadyAddresses not-ready ones, the address type from each IP, at most 1000 addresses. Pure.
/// </summary>
public static class EndpointsMirroring
{
    public static IReadOnlyList<EndpointGroup> Groups(V1Endpoints endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var groups = new List<EndpointGroup>();
        var total = 0;
        foreach (var subset in endpoints.Subsets ?? [])
        {
            var ports = (subset.Ports ?? []).Select(p => new Discoveryv1EndpointPort
            {
                Name = p.Name ?? string.Empty,
                Port = p.Port,
                Protocol = p.Protocol ?? "TCP",
                AppProtocol = p.AppProtocol,
            }).ToList();
            var byType = new Dictionary<string, List<V1Endpoint>>(StringComparer.Ordinal);
            foreach (var (address, ready) in (subset.Addresses ?? []).Select(a => (a, true)).Concat((subset.NotReadyAddresses ?? []).Select(a => (a, false))))
            {
                if (total == EndpointSliceLabels.MaxEndpointsAddresses || !IPAddress.TryParse(address.Ip, out var ip))
                {
                    continue;
                }

                total++;
                var type = ip.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
                if (!byType.TryGetValue(type, out var list))
                {
                    list = [];
                    byType[type] = list;
                }

                list.Add(new V1Endpoint
                {
                    Addresses = [address.Ip],
                    Conditions = new V1EndpointConditions { Ready = ready },
                    Hostname = string.IsNullOrEmpty(address.Hostname) ? null : address.Hostname,
                    NodeName = string.IsNullOrEmpty(address.NodeName) ? null : address.NodeName,
                    TargetRef = address.TargetRef,
                });
            }

            groups.AddRange(byType.Select(kv => new EndpointGroup(kv.Key, ports, kv.Value)));
        }

        return groups;
    }

    /// <summary>Endpoints are mirrored when their Service exists without a selector and they do not opt out.</summary>
    public static bool ShouldMirror(V1Endpoints? endpoints, V1Service? service) =>
        endpoints is not null && service is not null
        && service.Spec?.Selector is not { Count: > 0 }
        && service.Spec?.Type != "ExternalName"
        && !(endpoints.Metadata.Labels?.TryGetValue(EndpointSliceLabels.SkipMirror, out var skip) == true && skip == "true");

    public static SliceOwner Owner(V1Endpoints endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var labels = new Dictionary<string, string>(endpoints.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        labels.Remove(EndpointSliceLabels.SkipMirror);
        labels.Remove(EndpointSliceLabels.ServiceName);
        labels.Remove(EndpointSliceLabels.ManagedBy);
        var reference = new V1OwnerReference
        {
            ApiVersion = "v1",
            Kind = "Endpoints",
            Name = endpoints.Metadata.Name,
            Uid = endpoints.Metadata.Uid,
            Controller = true,
            BlockOwnerDeletion = true,
        };
        return new SliceOwner(endpoints.Metadata.NamespaceProperty ?? string.Empty, endpoints.Metadata.Name, labels, reference, EndpointSliceLabels.MirroringControllerName, "IPv4");
    }
}
