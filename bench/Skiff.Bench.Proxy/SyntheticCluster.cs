using k8s.Models;
using Skiff.Networking.Proxy;

namespace Skiff.Bench.Proxy;

/// <summary>
/// Services and EndpointSlices as the proxy's informer caches would hold them: N ClusterIP Services in 100
/// namespaces with one named port and one slice of E ready endpoints each (addresses that route nowhere: only the
/// rules matter), plus one "probe" Service whose single endpoint is the benchmark's real listener.
/// </summary>
internal sealed class SyntheticCluster
{
    public const string ProbeClusterIp = "10.97.0.1";
    public const int ProbePort = 80;

    public SyntheticCluster(int services, int endpointsPerService, string probeEndpoint, int probeTargetPort)
    {
        for (var i = 0; i < services; i++)
        {
            var name = $"svc-{i}";
            var ns = $"ns-{i % 100}";
            Services.Add(Service(ns, name, $"10.96.{i / 250}.{(i % 250) + 1}"));
            Slices.Add(Slice(ns, name, [.. Enumerable.Range(0, endpointsPerService).Select(e => EndpointIp(i, e))], 8080));
        }

        Services.Add(Service("bench", "probe", ProbeClusterIp));
        Slices.Add(Slice("bench", "probe", [probeEndpoint], probeTargetPort));
    }

    public List<V1Service> Services { get; } = [];

    public List<V1EndpointSlice> Slices { get; } = [];

    /// <summary>Every Service's <c>ns/name</c>.</summary>
    public IEnumerable<string> Keys => Services.Select(Key);

    public string KeyOf(int index) => Key(Services[index]);

    /// <summary>What the proxy's caches would say about one Service (the bench's slices are in Service order).</summary>
    public IReadOnlyList<ProxiedPort> PortsOf(string key, string nodeName)
    {
        _index ??= Services.Select((s, i) => (Key(s), i)).ToDictionary(x => x.Item1, x => x.i, StringComparer.Ordinal);
        return _index.TryGetValue(key, out var i) ? ProxiedPorts.ForService(Services[i], [Slices[i]], nodeName) : [];
    }

    private Dictionary<string, int>? _index;

    private static string Key(V1Service service) => service.Metadata.NamespaceProperty + "/" + service.Metadata.Name;

    /// <summary>Replaces the first endpoint of Service <paramref name="index"/> with a new address, as a pod being
    /// replaced does: the informer delivers a new slice object.</summary>
    public void ReplaceFirstEndpoint(int index, int generation)
    {
        var old = Slices[index];
        var addresses = old.Endpoints.Select(e => e.Addresses[0]).ToList();
        addresses[0] = $"10.{100 + (generation % 100)}.{index / 250}.{(index % 250) + 1}";
        Slices[index] = Slice(old.Metadata.NamespaceProperty, old.Metadata.Labels["kubernetes.io/service-name"], addresses, 8080);
    }

    private static string EndpointIp(int service, int endpoint) => $"10.{60 + endpoint}.{service / 250}.{(service % 250) + 1}";

    private static V1Service Service(string ns, string name, string clusterIp) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            ClusterIP = clusterIp,
            ClusterIPs = [clusterIp],
            Ports = [new V1ServicePort { Name = "http", Port = name == "probe" ? ProbePort : 80, Protocol = "TCP" }],
        },
    };

    private static V1EndpointSlice Slice(string ns, string service, IEnumerable<string> addresses, int port) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = service + "-abcde",
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service },
        },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = port, Protocol = "TCP" }],
        Endpoints = [.. addresses.Select(a => new V1Endpoint { Addresses = [a], NodeName = "other-node", Conditions = new V1EndpointConditions { Ready = true } })],
    };
}
