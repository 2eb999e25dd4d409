using k8s.Models;
using Skiff.Networking.EndpointSlices;
using static Skiff.Networking.Tests.EndpointSlices.TestObjects;

namespace Skiff.Networking.Tests.EndpointSlices;

public sealed class ServiceEndpointsTests
{
    private static readonly Func<string, string?> NoZones = _ => null;

    [Fact]
    public void Conditions_follow_readiness_and_deletion()
    {
        var service = Service();
        var groups = ServiceEndpoints.Groups(service, [Pod("a", "10.42.0.1"), Pod("b", "10.42.0.2", ready: false), Pod("c", "10.42.0.3", terminating: true)], NoZones);

        var endpoints = Assert.Single(groups).Endpoints.ToDictionary(e => e.TargetRef.Name);
        Assert.Equal((true, true, false), Tuple(endpoints["a"].Conditions));
        Assert.Equal((false, false, false), Tuple(endpoints["b"].Conditions));
        Assert.Equal((false, true, true), Tuple(endpoints["c"].Conditions)); // ready pod being deleted: serving, not ready
        Assert.Equal("node-1", endpoints["a"].NodeName);
        Assert.Equal(["10.42.0.1"], endpoints["a"].Addresses);
    }

    [Fact]
    public void Publish_not_ready_addresses_makes_every_endpoint_ready()
    {
        var groups = ServiceEndpoints.Groups(Service(publishNotReady: true), [Pod("b", "10.42.0.2", ready: false)], NoZones);

        Assert.Equal((true, true, false), Tuple(Assert.Single(Assert.Single(groups).Endpoints).Conditions));
    }

    [Fact]
    public void Named_target_ports_resolve_per_pod_and_pods_without_the_name_lose_that_port()
    {
        var service = Service(targetPort: "http");
        var other = Pod("c", "10.42.0.3");
        other.Spec.Containers[0].Ports = [new V1ContainerPort { Name = "metrics", ContainerPort = 9090 }];

        var groups = ServiceEndpoints.Groups(service, [Pod("a", "10.42.0.1", httpPort: 8080), Pod("b", "10.42.0.2", httpPort: 9000), other], NoZones);

        Assert.Equal(3, groups.Count);
        Assert.Equal(8080, Assert.Single(groups.Single(g => g.Endpoints[0].TargetRef.Name == "a").Ports).Port);
        Assert.Equal(9000, Assert.Single(groups.Single(g => g.Endpoints[0].TargetRef.Name == "b").Ports).Port);
        Assert.Empty(groups.Single(g => g.Endpoints[0].TargetRef.Name == "c").Ports);
    }

    [Fact]
    public void Pods_without_ip_or_finished_for_good_are_left_out()
    {
        var done = Pod("done", "10.42.0.9");
        done.Spec.RestartPolicy = "Never";
        done.Status.Phase = "Succeeded";

        var groups = ServiceEndpoints.Groups(Service(), [Pod("pending", null), done], NoZones);

        Assert.Empty(groups);
    }

    [Fact]
    public void Hostname_zone_and_headless_label()
    {
        var service = Service(clusterIP: "None");
        var pod = Pod("web-0", "10.42.0.1");
        pod.Spec.Hostname = "web-0";
        pod.Spec.Subdomain = "web";
        var stranger = Pod("x", "10.42.0.2");
        stranger.Spec.Hostname = "x";
        stranger.Spec.Subdomain = "other";

        var endpoints = Assert.Single(ServiceEndpoints.Groups(service, [pod, stranger], n => n == "node-1" ? "zone-a" : null)).Endpoints;

        Assert.Equal("web-0", endpoints.Single(e => e.TargetRef.Name == "web-0").Hostname);
        Assert.Null(endpoints.Single(e => e.TargetRef.Name == "x").Hostname);
        Assert.Equal("zone-a", endpoints[0].Zone);
        Assert.Equal(string.Empty, ServiceEndpoints.InheritedLabels(service)[EndpointSliceLabels.Headless]);
        Assert.Equal("a", ServiceEndpoints.InheritedLabels(service)["team"]);
    }

    [Fact]
    public void Endpoints_split_ready_and_not_ready_and_drop_terminating_pods()
    {
        var (subsets, over) = EndpointsBuilder.Subsets(Service(), [Pod("b", "10.42.0.2"), Pod("a", "10.42.0.1"), Pod("n", "10.42.0.3", ready: false), Pod("t", "10.42.0.4", terminating: true)]);

        var subset = Assert.Single(subsets);
        Assert.False(over);
        Assert.Equal(["10.42.0.1", "10.42.0.2"], subset.Addresses.Select(a => a.Ip));
        Assert.Equal(["10.42.0.3"], subset.NotReadyAddresses.Select(a => a.Ip));
        Assert.Equal(("http", 80, "TCP"), (subset.Ports[0].Name, subset.Ports[0].Port, subset.Ports[0].Protocol));
    }

    [Fact]
    public void Endpoints_stop_at_a_thousand_addresses()
    {
        var pods = Enumerable.Range(0, 1001).Select(i => Pod($"p{i:0000}", $"10.42.{i / 250}.{(i % 250) + 1}"));

        var (subsets, over) = EndpointsBuilder.Subsets(Service(), pods);

        Assert.True(over);
        Assert.Equal(1000, subsets.Sum(s => s.Addresses.Count));
    }

    [Fact]
    public void Mirroring_turns_subsets_into_groups()
    {
        var endpoints = new V1Endpoints
        {
            Metadata = new V1ObjectMeta { Name = "ext", NamespaceProperty = "default" },
            Subsets =
            [
                new V1EndpointSubset
                {
                    Addresses = [new V1EndpointAddress { Ip = "192.0.2.1" }, new V1EndpointAddress { Ip = "2001:db8::1" }],
                    NotReadyAddresses = [new V1EndpointAddress { Ip = "192.0.2.2" }],
                    Ports = [new Corev1EndpointPort { Name = "db", Port = 5432 }],
                },
            ],
        };

        var groups = EndpointsMirroring.Groups(endpoints);

        var v4 = groups.Single(g => g.AddressType == "IPv4");
        Assert.Equal([true, false], v4.Endpoints.Select(e => e.Conditions.Ready == true));
        Assert.Equal("2001:db8::1", groups.Single(g => g.AddressType == "IPv6").Endpoints[0].Addresses[0]);
        Assert.Equal(("db", 5432, "TCP"), (v4.Ports[0].Name, v4.Ports[0].Port ?? 0, v4.Ports[0].Protocol));
        Assert.False(EndpointsMirroring.ShouldMirror(endpoints, Service("ext")));
        Assert.True(EndpointsMirroring.ShouldMirror(endpoints, Service("ext", selector: new Dictionary<string, string>())));
    }

    private static (bool Ready, bool Serving, bool Terminating) Tuple(V1EndpointConditions c) =>
        (c.Ready == true, c.Serving == true, c.Terminating == true);
}
