using System.Globalization;
using k8s.Models;

namespace Skiff.Networking.Proxy;

/// <summary>
/// Turns Services and their EndpointSlices into the ports the proxy programs (upstream's service and endpoints
/// change trackers): only ClusterIP/NodePort/LoadBalancer Services with a cluster IP (headless and ExternalName
/// are not proxied), IPv4 slices, endpoints with an address, the port matched by name.
/// </summary>
public static class ProxiedPorts
{
    public static List<ProxiedPort> Build(IEnumerable<V1Service> services, IEnumerable<V1EndpointSlice> slices, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(slices);
        var byService = slices
            .Where(s => s.AddressType == "IPv4" && s.Metadata.Labels is { } l && l.ContainsKey("kubernetes.io/service-name"))
            .GroupBy(s => (s.Metadata.NamespaceProperty ?? string.Empty, s.Metadata.Labels["kubernetes.io/service-name"]))
            .ToDictionary(g => g.Key, g => g.ToList());
        var result = new List<ProxiedPort>();
        foreach (var service in services)
        {
            byService.TryGetValue((service.Metadata.NamespaceProperty ?? string.Empty, service.Metadata.Name), out var ownSlices);
            result.AddRange(ForService(service, ownSlices ?? [], nodeName));
        }

        return result;
    }

    /// <summary>The proxied ports of one Service, from its own EndpointSlices (see <see cref="ServiceKeyOf"/>); none when it
    /// is not proxied.</summary>
    public static List<ProxiedPort> ForService(V1Service service, IEnumerable<V1EndpointSlice> slices, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(slices);
        var result = new List<ProxiedPort>();
        var spec = service.Spec;
        if (spec is null || spec.Type == "ExternalName" || string.IsNullOrEmpty(spec.ClusterIP) || spec.ClusterIP == "None"
            || !System.Net.IPAddress.TryParse(spec.ClusterIP, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return result;
        }

        var ns = service.Metadata.NamespaceProperty ?? string.Empty;
        var ownSlices = slices.Where(s => s.AddressType == "IPv4").ToList();
        var affinity = spec.SessionAffinity == "ClientIP" ? spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds ?? 10800 : 0;
        foreach (var port in spec.Ports ?? [])
        {
            var protocol = (port.Protocol ?? "TCP").ToLowerInvariant();
            result.Add(new ProxiedPort
            {
                Namespace = ns,
                Name = service.Metadata.Name,
                PortName = string.IsNullOrEmpty(port.Name) ? port.Port.ToString(CultureInfo.InvariantCulture) : port.Name,
                Protocol = protocol,
                ClusterIp = spec.ClusterIP,
                Port = port.Port,
                NodePort = spec.Type is "NodePort" or "LoadBalancer" ? port.NodePort ?? 0 : 0,
                AffinitySeconds = affinity,
                InternalLocal = spec.InternalTrafficPolicy == "Local",
                ExternalLocal = spec.ExternalTrafficPolicy == "Local",
                Endpoints = EndpointsOf(ownSlices, port, nodeName),
            });
        }

        return result;
    }

    /// <summary>The <c>ns/name</c> key of the Service an EndpointSlice belongs to (its
    /// <c>kubernetes.io/service-name</c> label); null for a slice of no Service.</summary>
    public static string? ServiceKeyOf(V1EndpointSlice slice) =>
        slice?.Metadata?.Labels is { } labels && labels.TryGetValue(ServiceNameLabel, out var name)
            ? (slice.Metadata.NamespaceProperty ?? string.Empty) + "/" + name
            : null;

    public const string ServiceNameLabel = "kubernetes.io/service-name";

    private static List<ProxiedEndpoint> EndpointsOf(List<V1EndpointSlice> slices, V1ServicePort port, string nodeName)
    {
        var endpoints = new List<ProxiedEndpoint>();
        var seen = new HashSet<(string, int)>();
        foreach (var slice in slices)
        {
            // The slice's port with the Service port's name (unnamed ports match the slice's unnamed port).
            var match = slice.Ports?.FirstOrDefault(p => (p.Name ?? string.Empty) == (port.Name ?? string.Empty)
                && (p.Protocol ?? "TCP") == (port.Protocol ?? "TCP"));
            if (match?.Port is not int target)
            {
                continue;
            }

            foreach (var endpoint in slice.Endpoints ?? [])
            {
                if (endpoint.Addresses is not [var address, ..] || !seen.Add((address, target)))
                {
                    continue;
                }

                var conditions = endpoint.Conditions;
                var ready = conditions?.Ready ?? true;
                endpoints.Add(new ProxiedEndpoint(
                    address,
                    target,
                    ready,
                    conditions?.Serving ?? ready,
                    conditions?.Terminating ?? false,
                    endpoint.NodeName == nodeName));
            }
        }

        return [.. endpoints.OrderBy(e => e.Ip, StringComparer.Ordinal).ThenBy(e => e.Port)];
    }
}
