using k8s.Models;
using Skiff.Networking.EndpointSlices;

namespace Skiff.Networking.Dns;

/// <summary>The informer indexes cluster DNS reads (CoreDNS's SvcIndex, EpIndex and their reverse indexes): no
/// lookup walks every object.</summary>
public static class DnsIndexes
{
    /// <summary>Services by each of their cluster IPs.</summary>
    public const string ServiceByClusterIp = "dns.serviceByClusterIP";

    /// <summary>EndpointSlices by <c>namespace/service</c> (their <c>kubernetes.io/service-name</c> label).</summary>
    public const string SliceByService = "dns.sliceByService";

    /// <summary>EndpointSlices by each endpoint address.</summary>
    public const string SliceByAddress = "dns.sliceByAddress";

    public static IEnumerable<string> ClusterIps(V1Service service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var ips = service.Spec?.ClusterIPs ?? (service.Spec?.ClusterIP is { } ip ? [ip] : []);
        return ips.Where(i => !string.IsNullOrEmpty(i) && i != "None").Distinct(StringComparer.Ordinal);
    }

    public static IEnumerable<string> ServiceOf(V1EndpointSlice slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        return slice.Metadata?.Labels is { } labels && labels.TryGetValue(EndpointSliceLabels.ServiceName, out var name) && !string.IsNullOrEmpty(name)
            ? [ServiceKey(slice.Metadata.NamespaceProperty, name)]
            : [];
    }

    public static IEnumerable<string> Addresses(V1EndpointSlice slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        return (slice.Endpoints ?? []).SelectMany(e => e.Addresses ?? []).Distinct(StringComparer.Ordinal);
    }

    /// <summary>The key of <see cref="SliceByService"/>; names are matched without case, as DNS does.</summary>
    public static string ServiceKey(string? ns, string name) => $"{ns}/{name}".ToLowerInvariant();
}
