using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Networking.Routes;
using static Skiff.Networking.Tests.Routes.RouteNodes;

namespace Skiff.Networking.Tests.Routes;

public sealed class RouteReconcilerTests
{
    private readonly FakeRouteTable _table = new() { OnLink = { "192.0.2.2", "192.0.2.3", "192.0.2.4" } };

    private RouteReconciler Reconciler() => new(_table, "a", NullLogger.Instance);

    [Fact]
    public async Task Installs_a_route_to_every_other_nodes_pod_range_via_its_InternalIP()
    {
        var changes = await Reconciler().ReconcileAsync(
            [Node("a", "10.42.0.0/24", "192.0.2.1"), Node("c", "10.42.2.0/24", "192.0.2.3"), Node("b", "10.42.1.0/24", "192.0.2.2")],
            CancellationToken.None);

        Assert.Equal(
            [
                "ip -4 route replace 10.42.1.0/24 via 192.0.2.2 proto 151",
                "ip -4 route replace 10.42.2.0/24 via 192.0.2.3 proto 151",
            ],
            _table.Commands);
        Assert.Equal(["replace 10.42.1.0/24 via 192.0.2.2", "replace 10.42.2.0/24 via 192.0.2.3"], changes);
    }

    [Fact]
    public async Task A_second_pass_changes_nothing_and_a_node_that_left_loses_its_route()
    {
        var reconciler = Reconciler();
        await reconciler.ReconcileAsync([Node("a", "10.42.0.0/24", "192.0.2.1"), Node("b", "10.42.1.0/24", "192.0.2.2"), Node("c", "10.42.2.0/24", "192.0.2.3")], CancellationToken.None);
        _table.Commands.Clear();

        Assert.Empty(await reconciler.ReconcileAsync([Node("a", "10.42.0.0/24", "192.0.2.1"), Node("b", "10.42.1.0/24", "192.0.2.2"), Node("c", "10.42.2.0/24", "192.0.2.3")], CancellationToken.None));
        await reconciler.ReconcileAsync([Node("a", "10.42.0.0/24", "192.0.2.1"), Node("c", "10.42.2.0/24", "192.0.2.3")], CancellationToken.None);

        Assert.Equal(["ip -4 route del 10.42.1.0/24 proto 151"], _table.Commands);
        Assert.Equal(["10.42.2.0/24"], _table.Routes.Keys);
    }

    [Fact]
    public async Task At_start_routes_left_from_before_are_corrected_and_removed()
    {
        _table.Routes["10.42.1.0/24"] = new PodRoute("10.42.1.0/24", "192.0.2.9"); // the node moved to another address
        _table.Routes["10.42.7.0/24"] = new PodRoute("10.42.7.0/24", "192.0.2.7"); // a node deleted while we were down

        await Reconciler().ReconcileAsync([Node("a", "10.42.0.0/24", "192.0.2.1"), Node("b", "10.42.1.0/24", "192.0.2.2")], CancellationToken.None);

        Assert.Equal(
            [
                "ip -4 route replace 10.42.1.0/24 via 192.0.2.2 proto 151",
                "ip -4 route del 10.42.7.0/24 proto 151",
            ],
            _table.Commands);
    }

    [Fact]
    public async Task Skips_nodes_without_range_or_address_on_loopback_off_link_or_sharing_our_range()
    {
        var changes = await Reconciler().ReconcileAsync(
            [
                Node("a", "10.42.0.0/24", "192.0.2.1"),
                Node("no-range", null, "192.0.2.2"),
                Node("no-address", "10.42.3.0/24", null),
                Node("same-machine", "10.42.4.0/24", "127.0.0.1"),
                Node("far", "10.42.5.0/24", "198.51.100.7"),
                Node("same-range", "10.42.0.0/24", "192.0.2.3"),
                Node("ok", "10.42.6.0/24", "192.0.2.4"),
            ],
            CancellationToken.None);

        Assert.Equal(["replace 10.42.6.0/24 via 192.0.2.4"], changes);
    }
}
