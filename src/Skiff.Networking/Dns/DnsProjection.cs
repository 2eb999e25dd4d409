using k8s;
using k8s.Models;
using Skiff.Client.Informers;
using Skiff.Networking.EndpointSlices;

namespace Skiff.Networking.Dns;

/// <summary>
/// The Services and EndpointSlices as cluster DNS reads them, and nothing more (CoreDNS's object.Service and
/// object.Endpoints, which its informers keep instead of the API's objects): names, type, cluster IPs, ExternalName
/// and ports of a Service; the service-name label, endpoints (addresses, hostname, ready) and ports of a slice. A
/// process that serves DNS alone (<c>skiff dns</c>) caches these; one that shares its informers with the service
/// proxy (a node) caches the full objects anyway and gains nothing from a second, smaller copy.
/// </summary>
public static class DnsProjection
{
    // Every projected object shares these: the condition objects of ready and not-ready endpoints, and the strings of
    // few values (the projection is read, never written, by cluster DNS).
    private static readonly V1EndpointConditions Ready = new() { Ready = true };
    private static readonly V1EndpointConditions NotReady = new() { Ready = false };
    private static readonly SharedStrings Strings = new();

    /// <summary>Informer options whose transform keeps only what DNS reads (one instance, so that the informers of
    /// both kinds are shared within the process).</summary>
    public static InformerOptions InformerOptions { get; } = new() { Transform = Project };

    public static IKubernetesObject<V1ObjectMeta> Project(IKubernetesObject<V1ObjectMeta> obj) => obj switch
    {
        V1Service service => Project(service),
        V1EndpointSlice slice => Project(slice),
        _ => obj,
    };

    public static V1Service Project(V1Service service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var spec = service.Spec;
        return new V1Service
        {
            ApiVersion = "v1",
            Kind = V1Service.KubeKind,
            Metadata = Identity(service.Metadata, labels: null),
            Spec = spec is null ? null : new V1ServiceSpec
            {
                Type = Strings.Get(spec.Type),
                ClusterIP = spec.ClusterIP,
                ClusterIPs = spec.ClusterIPs is { Count: > 1 } ips ? ips.ToArray() : null, // one address is ClusterIP itself
                ExternalName = spec.ExternalName,
                Ports = spec.Ports?.Select(p => new V1ServicePort { Name = Strings.Get(p.Name), Port = p.Port, Protocol = Strings.Get(p.Protocol) }).ToArray(),
            },
        };
    }

    public static V1EndpointSlice Project(V1EndpointSlice slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        var labels = slice.Metadata?.Labels is { } all && all.TryGetValue(EndpointSliceLabels.ServiceName, out var name)
            ? new Dictionary<string, string>(1, StringComparer.Ordinal) { [EndpointSliceLabels.ServiceName] = name }
            : null;
        return new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = V1EndpointSlice.KubeKind,
            Metadata = Identity(slice.Metadata, labels),
            AddressType = Strings.Get(slice.AddressType),
            Endpoints = slice.Endpoints?.Select(e => new V1Endpoint
            {
                Addresses = e.Addresses?.ToArray(),
                Hostname = e.Hostname,
                Conditions = e.Conditions?.Ready switch { true => Ready, false => NotReady, null => null },
            }).ToArray(),
            Ports = slice.Ports?.Select(p => new Discoveryv1EndpointPort { Name = Strings.Get(p.Name), Port = p.Port, Protocol = Strings.Get(p.Protocol) }).ToArray(),
        };
    }

    // What the informer itself needs: the key, and uid and resourceVersion to tell a changed object from a seen one.
    private static V1ObjectMeta Identity(V1ObjectMeta? metadata, IDictionary<string, string>? labels) => new()
    {
        Name = metadata?.Name,
        NamespaceProperty = Strings.Get(metadata?.NamespaceProperty),
        Uid = metadata?.Uid,
        ResourceVersion = metadata?.ResourceVersion,
        Labels = labels,
    };
}
