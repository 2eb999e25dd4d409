using k8s.Models;
using Skiff.Networking.EndpointSlices;

namespace Skiff.Networking.Tests.Dns;

/// <summary>Services and EndpointSlices of the shapes cluster DNS answers for.</summary>
internal static class DnsObjects
{
    public static V1Service ClusterIp(string name, string ip, string ns = "default", params V1ServicePort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            ClusterIP = ip,
            ClusterIPs = [ip],
            Ports = ports.Length > 0 ? ports : [Port("http", 80)],
        },
    };

    public static V1Service Headless(string name, string ns = "default", params V1ServicePort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec { Type = "ClusterIP", ClusterIP = "None", ClusterIPs = ["None"], Ports = ports },
    };

    public static V1Service ExternalName(string name, string target, string ns = "default") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = target },
    };

    public static V1ServicePort Port(string name, int port, string protocol = "TCP") => new() { Name = name, Port = port, Protocol = protocol };

    public static V1EndpointSlice Slice(string service, string ns, IEnumerable<V1Endpoint> endpoints, params Discoveryv1EndpointPort[] ports) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = $"{service}-{Guid.NewGuid():N}"[..20],
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string> { [EndpointSliceLabels.ServiceName] = service },
        },
        AddressType = "IPv4",
        Endpoints = endpoints.ToList(),
        Ports = ports,
    };

    public static V1Endpoint Endpoint(string ip, bool ready = true, string? hostname = null) => new()
    {
        Addresses = [ip],
        Hostname = hostname,
        Conditions = new V1EndpointConditions { Ready = ready },
    };

    public static Discoveryv1EndpointPort SlicePort(string name, int port, string protocol = "TCP") => new() { Name = name, Port = port, Protocol = protocol };
}
