using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Networking.Overlay;
using Skiff.Networking.Routes;
using Skiff.Networking.Tests.Routes;
using static Skiff.Networking.Tests.Routes.RouteNodes;

namespace Skiff.Networking.Tests.Overlay;

/// <summary>The VXLAN backend's golden commands: the device, per remote node an FDB entry, a neighbour and an onlink
/// route, in that order; removal in the reverse order; auto picks host-gw for nodes on a shared link.</summary>
public sealed class VxlanReconcilerTests
{
    private readonly FakeRouteTable _routes = new() { OnLink = { "192.0.2.2" } };
    private readonly FakeVxlanTable _vxlan = new();

    private RouteReconciler Reconciler(PodNetworkBackend backend = PodNetworkBackend.Vxlan, string name = "a") => new(_routes, name, NullLogger.Instance, backend, _vxlan);

    private static V1Node Vtep(V1Node node)
    {
        var ip = System.Net.IPAddress.Parse(node.Status.Addresses[0].Address);
        node.Metadata.Annotations = new Dictionary<string, string>(FlannelAnnotations.For(ip.ToString(), VtepMac.For(ip)));
        return node;
    }

    private static List<V1Node> Cluster() =>
    [
        Vtep(Node("a", "10.42.0.0/24", "192.0.2.1")),
        Vtep(Node("b", "10.42.1.0/24", "192.0.2.2")),
        Vtep(Node("c", "10.42.2.0/24", "198.51.100.3")),
        Node("d", "10.42.3.0/24", "198.51.100.4"), // no VTEP published yet
    ];

    [Fact]
    public async Task Vxlan_creates_the_device_then_per_node_fdb_neighbour_and_onlink_route()
    {
        var changes = await Reconciler().ReconcileAsync(Cluster(), CancellationToken.None);

        Assert.Equal(
            [
                "ip link add skiff.1 mtu 1450 address 0e:53:c0:00:02:01 type vxlan id 1 local 192.0.2.1 dev eth0 dstport 8472 nolearning",
                "bridge fdb replace 0e:53:c0:00:02:02 dev skiff.1 dst 192.0.2.2 self permanent",
                "bridge fdb replace 0e:53:c6:33:64:03 dev skiff.1 dst 198.51.100.3 self permanent",
                "ip -4 neigh replace 10.42.1.0 lladdr 0e:53:c0:00:02:02 dev skiff.1 nud permanent",
                "ip -4 neigh replace 10.42.2.0 lladdr 0e:53:c6:33:64:03 dev skiff.1 nud permanent",
            ],
            _vxlan.Commands);
        Assert.Equal(
            [
                "ip -4 route replace 10.42.1.0/24 via 10.42.1.0 dev skiff.1 onlink proto 151",
                "ip -4 route replace 10.42.2.0/24 via 10.42.2.0 dev skiff.1 onlink proto 151",
            ],
            _routes.Commands);
        Assert.Equal(new VxlanDevice("192.0.2.1", "0e:53:c0:00:02:01", "10.42.0.0"), _vxlan.Device);
        Assert.Equal(6, changes.Count); // the device is set up, not counted as a change
    }

    [Fact]
    public async Task A_second_pass_changes_nothing_and_a_node_that_left_loses_route_neighbour_and_fdb_in_that_order()
    {
        var reconciler = Reconciler();
        await reconciler.ReconcileAsync(Cluster(), CancellationToken.None);
        _vxlan.Commands.Clear();
        _routes.Commands.Clear();

        Assert.Empty(await reconciler.ReconcileAsync(Cluster(), CancellationToken.None));
        var changes = await reconciler.ReconcileAsync(Cluster().Where(n => n.Metadata.Name != "c"), CancellationToken.None);

        Assert.Equal(["delete 10.42.2.0/24", "neigh delete 10.42.2.0", "fdb delete 0e:53:c6:33:64:03 dst 198.51.100.3"], changes);
        Assert.Equal(["ip -4 route del 10.42.2.0/24 proto 151"], _routes.Commands);
        Assert.Equal(
            [
                "ip -4 neigh del 10.42.2.0 dev skiff.1",
                "bridge fdb del 0e:53:c6:33:64:03 dev skiff.1 dst 198.51.100.3 self",
            ],
            _vxlan.Commands);
    }

    [Fact]
    public async Task At_start_entries_left_from_before_are_removed()
    {
        _vxlan.Neighbours.Add(new VxlanNeighbour("10.42.9.0", "0e:53:0a:00:00:09"));
        _vxlan.Forwarding.Add(new VxlanForwarding("0e:53:0a:00:00:09", "10.0.0.9"));
        _routes.Routes["10.42.9.0/24"] = new PodRoute("10.42.9.0/24", "10.42.9.0", "skiff.1");

        await Reconciler().ReconcileAsync(Cluster(), CancellationToken.None);

        Assert.DoesNotContain(_vxlan.Neighbours, n => n.Ip == "10.42.9.0");
        Assert.DoesNotContain(_vxlan.Forwarding, f => f.Destination == "10.0.0.9");
        Assert.False(_routes.Routes.ContainsKey("10.42.9.0/24"));
    }

    [Fact]
    public async Task Switching_to_host_gw_deletes_the_device_the_overlay_left_and_routes_directly()
    {
        await Reconciler().ReconcileAsync(Cluster(), CancellationToken.None);
        _vxlan.Commands.Clear();
        _routes.Commands.Clear();

        var changes = await Reconciler(PodNetworkBackend.HostGateway).ReconcileAsync(Cluster(), CancellationToken.None);

        Assert.Equal(["ip link del skiff.1"], _vxlan.Commands);
        Assert.Null(_vxlan.Device);
        Assert.Equal(["link delete skiff.1", "replace 10.42.1.0/24 via 192.0.2.2", "delete 10.42.2.0/24"], changes);
        Assert.Equal([new PodRoute("10.42.1.0/24", "192.0.2.2")], _routes.Routes.Values);
        Assert.Empty(await Reconciler(PodNetworkBackend.HostGateway).ReconcileAsync(Cluster(), CancellationToken.None));
    }

    [Fact]
    public async Task Host_gw_leaves_a_device_sending_from_another_address_alone()
    {
        await _vxlan.EnsureDeviceAsync(new VxlanDevice("192.0.2.99", "0e:53:c0:00:02:63", "10.99.0.0"), CancellationToken.None);

        await Reconciler(PodNetworkBackend.HostGateway).ReconcileAsync(Cluster(), CancellationToken.None);

        Assert.NotNull(_vxlan.Device);
        Assert.DoesNotContain("ip link del skiff.1", _vxlan.Commands);
    }

    [Theory]
    [InlineData(PodNetworkBackend.Vxlan, 1500, 1450)]
    [InlineData(PodNetworkBackend.Auto, 1500, 1450)]
    [InlineData(PodNetworkBackend.Auto, 9000, 8950)]
    [InlineData(PodNetworkBackend.HostGateway, 1500, 1500)]
    [InlineData(PodNetworkBackend.HostGateway, 9000, 9000)]
    [InlineData(PodNetworkBackend.None, 1500, null)]
    public void Pods_get_the_underlay_mtu_less_the_vxlan_overhead_when_the_overlay_may_carry_them(PodNetworkBackend backend, int underlay, int? expected) =>
        Assert.Equal(expected, PodMtu.For(backend, underlay));

    [Fact]
    public void The_underlay_mtu_is_that_of_the_link_holding_the_node_address()
    {
        const string Json = """
            [{"ifindex":1,"ifname":"lo","mtu":65536,"addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
             {"ifindex":2,"ifname":"eth0","mtu":9001,"addr_info":[{"family":"inet","local":"192.0.2.1","prefixlen":24}]},
             {"ifindex":3,"ifname":"cni0","mtu":1450,"addr_info":[{"family":"inet","local":"10.42.0.1","prefixlen":24}]}]
            """;
        Assert.Equal(9001, PodMtu.LinkMtuOf(Json, System.Net.IPAddress.Parse("192.0.2.1")));
        Assert.Null(PodMtu.LinkMtuOf(Json, System.Net.IPAddress.Parse("192.0.2.7")));
        Assert.Null(PodMtu.LinkMtuOf(Json, System.Net.IPAddress.Loopback)); // nodes sharing a kernel: no opinion
        Assert.Null(PodMtu.For(PodNetworkBackend.Vxlan, null));
    }

    [Fact]
    public async Task Auto_routes_directly_to_nodes_on_a_shared_link_and_through_vxlan_to_the_others()
    {
        await Reconciler(PodNetworkBackend.Auto).ReconcileAsync(Cluster(), CancellationToken.None);

        Assert.Equal(new PodRoute("10.42.1.0/24", "192.0.2.2"), _routes.Routes["10.42.1.0/24"]);
        Assert.Equal(new PodRoute("10.42.2.0/24", "10.42.2.0", "skiff.1"), _routes.Routes["10.42.2.0/24"]);
        Assert.Equal([new VxlanNeighbour("10.42.2.0", "0e:53:c6:33:64:03")], _vxlan.Neighbours);
        Assert.Equal(2, _routes.Routes.Count);
    }

    [Fact]
    public async Task Host_gw_makes_no_device_and_a_node_on_loopback_gets_none_either()
    {
        await Reconciler(PodNetworkBackend.HostGateway).ReconcileAsync(Cluster(), CancellationToken.None);
        Assert.Null(_vxlan.Device);
        Assert.Equal(["10.42.1.0/24"], _routes.Routes.Keys);

        var loopback = new RouteReconciler(new FakeRouteTable(), "a", NullLogger.Instance, PodNetworkBackend.Vxlan, _vxlan);
        await loopback.ReconcileAsync([Node("a", "10.42.0.0/24", "127.0.0.1"), Vtep(Node("c", "10.42.2.0/24", "198.51.100.3"))], CancellationToken.None);
        Assert.Null(_vxlan.Device);
        Assert.Null(loopback.ActiveDevice);
    }

    [Fact]
    public void Annotations_are_flannels_and_round_trip()
    {
        var wanted = FlannelAnnotations.For("192.0.2.1", "0e:53:c0:00:02:01");
        Assert.Equal("vxlan", wanted[FlannelAnnotations.BackendType]);
        Assert.Equal("{\"VNI\":1,\"VtepMAC\":\"0e:53:c0:00:02:01\"}", wanted[FlannelAnnotations.BackendData]);
        Assert.Equal("192.0.2.1", wanted[FlannelAnnotations.PublicIp]);

        var node = Node("a", "10.42.0.0/24", "192.0.2.1");
        Assert.Null(FlannelAnnotations.VtepMacOf(node));
        Assert.False(FlannelAnnotations.Has(node, wanted));
        node.Metadata.Annotations = new Dictionary<string, string>(wanted);
        Assert.Equal("0e:53:c0:00:02:01", FlannelAnnotations.VtepMacOf(node));
        Assert.True(FlannelAnnotations.Has(node, wanted));
        node.Metadata.Annotations[FlannelAnnotations.BackendData] = "not json";
        Assert.Null(FlannelAnnotations.VtepMacOf(node));
    }

    [Theory]
    [InlineData("10.42.1.0/24", "10.42.1.0")]
    [InlineData("10.42.1.77/24", "10.42.1.0")]
    [InlineData("10.42.0.0/16", "10.42.0.0")]
    [InlineData("10.42.5.129/25", "10.42.5.128")]
    public void The_gateway_is_the_first_address_of_the_range(string cidr, string gateway) =>
        Assert.Equal(gateway, RouteReconciler.NetworkAddress(cidr));
}
