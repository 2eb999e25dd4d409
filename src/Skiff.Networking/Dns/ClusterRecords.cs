using System.Net;
using k8s.Models;

namespace Skiff.Networking.Dns;

/// <summary>
/// The records of the cluster zone from the caches, as CoreDNS's kubernetes plugin finds them (findServices,
/// findPods, serviceRecordForIP): cluster IPs of ClusterIP Services, the ready endpoints of headless Services (and
/// of any Service when an endpoint name is asked), ExternalNames, pod addresses from dashed names (the "pods
/// insecure" mode of the default Corefile). A null result is a name error (NXDOMAIN); an empty one is NODATA.
/// </summary>
internal sealed class ClusterRecords
{
    private readonly ClusterDnsData _data;

    public ClusterRecords(ClusterDnsData data, string zone)
    {
        _data = data;
        Zone = zone;
    }

    public string Zone { get; }

    public IReadOnlyList<ServiceRecord>? Find(RecordRequest request) => request.Kind switch
    {
        "" => [],
        RecordRequest.Pod => FindPods(request),
        _ => FindServices(request),
    };

    private List<ServiceRecord>? FindPods(RecordRequest request)
    {
        if (request.Service.Length == 0)
        {
            return []; // ns.pod.zone and pod.zone exist and have no data
        }

        // a-b-c-d is an IPv4 address; anything else with dashes for colons, IPv6.
        var name = request.Service;
        var text = name.Count(c => c == '-') == 3 && !name.Contains("--", StringComparison.Ordinal)
            ? name.Replace('-', '.')
            : name.Replace('-', ':');
        if (!IPAddress.TryParse(text, out var ip))
        {
            return null;
        }

        return [new ServiceRecord(ip.ToString(), ServiceRecord.NoPort, $"{name}.{request.Namespace}.pod.{Zone}")];
    }

    private List<ServiceRecord>? FindServices(RecordRequest request)
    {
        if (request.Service.Length == 0)
        {
            return []; // ns.svc.zone: NODATA whatever the namespace, as CoreDNS answers
        }

        var service = Service(request.Namespace, request.Service);
        if (service is null)
        {
            return null;
        }

        var ns = service.Metadata.NamespaceProperty;
        var serviceName = $"{service.Metadata.Name}.{ns}.svc.{Zone}".ToLowerInvariant();
        var found = false;
        var records = new List<ServiceRecord>();
        if (service.Spec?.Type == "ExternalName")
        {
            // An ExternalName has no endpoints: an endpoint name below it does not exist.
            if (request.Endpoint.Length > 0 || string.IsNullOrEmpty(service.Spec.ExternalName) || IPAddress.TryParse(service.Spec.ExternalName, out _))
            {
                return null;
            }

            records.Add(new ServiceRecord(service.Spec.ExternalName.TrimEnd('.'), ServiceRecord.NoPort, serviceName));
            return records;
        }

        if (IsHeadless(service) || request.Endpoint.Length > 0)
        {
            foreach (var slice in _data.Slices.ByIndex(DnsIndexes.SliceByService, DnsIndexes.ServiceKey(ns, service.Metadata.Name)))
            {
                var ports = slice.Ports is { Count: > 0 } p
                    ? p.Select(x => (Name: x.Name ?? string.Empty, Port: x.Port ?? 0, Protocol: x.Protocol ?? "TCP")).ToList()
                    : [(Name: string.Empty, Port: ServiceRecord.NoPort, Protocol: string.Empty)];
                foreach (var endpoint in slice.Endpoints ?? [])
                {
                    if (endpoint.Conditions?.Ready == false)
                    {
                        continue;
                    }

                    foreach (var address in endpoint.Addresses ?? [])
                    {
                        var host = EndpointHostname(endpoint, address);
                        if (request.Endpoint.Length > 0 && !string.Equals(request.Endpoint, host, StringComparison.OrdinalIgnoreCase))
                        {
                            continue;
                        }

                        foreach (var port in ports)
                        {
                            if (!PortMatches(request, port.Name, port.Protocol))
                            {
                                continue;
                            }

                            found = true;
                            records.Add(new ServiceRecord(address, port.Port, $"{host}.{serviceName}".ToLowerInvariant()));
                        }
                    }
                }
            }

            return found ? records : null;
        }

        foreach (var port in service.Spec?.Ports ?? [])
        {
            if (!PortMatches(request, port.Name ?? string.Empty, port.Protocol ?? "TCP"))
            {
                continue;
            }

            found = true;
            foreach (var ip in DnsIndexes.ClusterIps(service))
            {
                records.Add(new ServiceRecord(ip, port.Port, serviceName));
            }
        }

        return found ? records : null;
    }

    /// <summary>PTR targets for <paramref name="ip"/>: the Service whose cluster IP it is, else every endpoint that
    /// has it (<c>host.svc.ns.svc.zone</c>). Empty when the cluster does not know the address.</summary>
    public IReadOnlyList<string> Reverse(string ip)
    {
        foreach (var service in _data.Services.ByIndex(DnsIndexes.ServiceByClusterIp, ip))
        {
            return [$"{service.Metadata.Name}.{service.Metadata.NamespaceProperty}.svc.{Zone}"];
        }

        var names = new List<string>();
        foreach (var slice in _data.Slices.ByIndex(DnsIndexes.SliceByAddress, ip))
        {
            var service = DnsIndexes.ServiceOf(slice).FirstOrDefault();
            if (service is null)
            {
                continue;
            }

            var serviceName = service[(service.IndexOf('/', StringComparison.Ordinal) + 1)..];
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                if (endpoint.Conditions?.Ready == false || endpoint.Addresses?.Contains(ip) != true)
                {
                    continue;
                }

                names.Add($"{EndpointHostname(endpoint, ip)}.{serviceName}.{slice.Metadata.NamespaceProperty}.svc.{Zone}".ToLowerInvariant());
            }
        }

        return names.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The cluster IPs of a Service (for the NS glue of the zone apex).</summary>
    public IReadOnlyList<string> ClusterIpsOf(string ns, string name) =>
        Service(ns, name) is { } service && !IsHeadless(service) ? DnsIndexes.ClusterIps(service).ToList() : [];

    private V1Service? Service(string ns, string name)
    {
        var service = _data.Services.Get(ns, name);
        if (service is not null)
        {
            return service;
        }

        // DNS names are case-insensitive; object names are lower case already, so this only helps odd callers.
        var lower = _data.Services.Get(ns.ToLowerInvariant(), name.ToLowerInvariant());
        return lower;
    }

    private static bool IsHeadless(V1Service service) =>
        service.Spec?.ClusterIP == "None" || (string.IsNullOrEmpty(service.Spec?.ClusterIP) && service.Spec?.Type != "ExternalName");

    private static bool PortMatches(RecordRequest request, string name, string protocol) =>
        (request.Port.Length == 0 || string.Equals(request.Port, name, StringComparison.OrdinalIgnoreCase))
        && (request.Protocol.Length == 0 || string.Equals(request.Protocol, protocol, StringComparison.OrdinalIgnoreCase));

    /// <summary>An endpoint's name in DNS: its hostname, else its address with dashes (CoreDNS's endpointHostname).</summary>
    private static string EndpointHostname(V1Endpoint endpoint, string address) =>
        !string.IsNullOrEmpty(endpoint.Hostname) ? endpoint.Hostname : address.Replace('.', '-').Replace(':', '-');
}
