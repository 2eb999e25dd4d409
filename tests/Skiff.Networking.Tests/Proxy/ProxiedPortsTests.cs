using k8s.Models;
using Skiff.Networking.Proxy;

namespace Skiff.Networking.Tests.Proxy;

public sealed class ProxiedPortsTests
{
    private static V1Service Service(string name, string? clusterIp, string type = "ClusterIP", params V1ServicePort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1ServiceSpec { Type = type, ClusterIP = clusterIp, Ports = ports, SessionAffinity = "None" },
    };

    private static V1EndpointSlice Slice(string service, params (string Ip, bool Ready, string Node)[] endpoints) => new()
    {
        Metadata = new V1ObjectMeta { Name = service + "-abc", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }, new Discoveryv1EndpointPort { Name = "metrics", Port = 9090, Protocol = "TCP" }],
        Endpoints = [.. endpoints.Select(e => new V1Endpoint { Addresses = [e.Ip], NodeName = e.Node, Conditions = new V1EndpointConditions { Ready = e.Ready } })],
    };

    [Fact]
    public void Each_port_of_a_service_gets_its_own_target_port_from_the_slices()
    {
        var service = Service("web", "10.43.0.20", "NodePort",
            new V1ServicePort { Name = "http", Port = 80, NodePort = 30080, Protocol = "TCP" },
            new V1ServicePort { Name = "metrics", Port = 9090, NodePort = 30090, Protocol = "TCP" });
        var ports = ProxiedPorts.Build([service], [Slice("web", ("10.88.0.3", true, "n1"), ("10.88.0.2", false, "n2"))], "n1");

        Assert.Equal(["default/web/tcp/http", "default/web/tcp/metrics"], ports.Select(p => p.Key));
        Assert.Equal(30080, ports[0].NodePort);
        Assert.Equal([("10.88.0.2", 8080, false, false), ("10.88.0.3", 8080, true, true)], ports[0].Endpoints.Select(e => (e.Ip, e.Port, e.Ready, e.Local)));
        Assert.All(ports[1].Endpoints, e => Assert.Equal(9090, e.Port));
    }

    [Fact]
    public void Headless_and_external_name_services_are_not_proxied()
    {
        var port = new V1ServicePort { Name = "http", Port = 80 };
        var ports = ProxiedPorts.Build(
            [Service("headless", "None", "ClusterIP", port), new V1Service { Metadata = new V1ObjectMeta { Name = "ext", NamespaceProperty = "default" }, Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = "example.com" } }],
            [Slice("headless", ("10.88.0.2", true, "n1"))],
            "n1");
        Assert.Empty(ports);
    }
}
