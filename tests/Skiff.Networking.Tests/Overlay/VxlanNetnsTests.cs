using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client;
using Skiff.Networking.Overlay;
using Skiff.Networking.Routes;
using Skiff.Networking.Tests.Routes;
using Skiff.Testing;
using static Skiff.Networking.Tests.Routes.RouteNodes;

namespace Skiff.Networking.Tests.Overlay;

/// <summary>
/// The VXLAN backend on a real kernel, between two hosts that do not share a link (a router between them): host-gw
/// installs nothing and pods cannot reach each other; with vxlan each host's controller creates skiff.1, publishes
/// its VTEP on its Node (flannel's annotations, through the API), learns the other's, and pod reaches pod both ways
/// with its own source address; a node deleted leaves no route, neighbour or forwarding entry. Needs root, <c>ip</c>,
/// <c>bridge</c>, the vxlan module and <c>python3</c>; fails rather than skips without them.
/// </summary>
public sealed class VxlanNetnsTests : IAsyncLifetime
{
    private readonly RoutedTwoHostNetwork _net = new();

    public Task InitializeAsync() => _net.CreateAsync();

    public Task DisposeAsync() => _net.DisposeAsync().AsTask();

    [Fact]
    public async Task Pods_on_hosts_behind_a_router_reach_each_other_through_vxlan_but_not_host_gw()
    {
        await _net.ListenAsync(_net.PodB, RoutedTwoHostNetwork.PodBIp, 8080);
        await _net.ListenAsync(_net.PodA, RoutedTwoHostNetwork.PodAIp, 8080);
        var api = new FakeApiClient();
        api.Seed(Node("host-a", RoutedTwoHostNetwork.PodCidrA, RoutedTwoHostNetwork.HostAIp));
        api.Seed(Node("host-b", RoutedTwoHostNetwork.PodCidrB, RoutedTwoHostNetwork.HostBIp));

        // host-gw: the other host's address is behind the router, so no route; pods cannot meet.
        var hostGw = new RouteReconciler(new IpRouteTable(_net.HostA), "host-a", NullLogger.Instance, PodNetworkBackend.HostGateway, new IpVxlanTable(_net.HostA));
        Assert.Empty(await hostGw.ReconcileAsync(await NodesAsync(api), CancellationToken.None));
        Assert.NotEqual("srv " + RoutedTwoHostNetwork.PodAIp, await TwoHostNetwork.ConnectAsync(_net.PodA, RoutedTwoHostNetwork.PodBIp, 8080));

        await using var contextA = ComponentContext.Create(api, TimeProvider.System, NullLoggerFactory.Instance);
        await using var contextB = ComponentContext.Create(api, TimeProvider.System, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        contextA.Informers.Start(stop.Token);
        contextB.Informers.Start(stop.Token);
        var vxlanA = new IpVxlanTable(_net.HostA);
        var routesA = new IpRouteTable(_net.HostA);
        var runA = NodeRoutesController.RunAsync("host-a", routesA, PodNetworkBackend.Vxlan, vxlanA, contextA, stop.Token);
        var runB = NodeRoutesController.RunAsync("host-b", new IpRouteTable(_net.HostB), PodNetworkBackend.Vxlan, new IpVxlanTable(_net.HostB), contextB, stop.Token);

        await WaitUntilAsync(async () => (await routesA.ListAsync(CancellationToken.None)).Count == 1);
        var macB = VtepMac.For(System.Net.IPAddress.Parse(RoutedTwoHostNetwork.HostBIp));
        Assert.Equal([new PodRoute(RoutedTwoHostNetwork.PodCidrB, "10.205.1.0", VxlanSettings.DeviceName)], await routesA.ListAsync(CancellationToken.None));
        Assert.Equal([new VxlanNeighbour("10.205.1.0", macB)], await vxlanA.ListNeighboursAsync(CancellationToken.None));
        Assert.Contains(new VxlanForwarding(macB, RoutedTwoHostNetwork.HostBIp), await vxlanA.ListForwardingAsync(CancellationToken.None));
        var device = await TwoHostNetwork.Run("ip", "-n", _net.HostA, "-d", "link", "show", VxlanSettings.DeviceName);
        Assert.Contains($"vxlan id 1 local {RoutedTwoHostNetwork.HostAIp} dev eth0", device, StringComparison.Ordinal);
        Assert.Contains("dstport 8472 nolearning", device, StringComparison.Ordinal);
        Assert.Contains("mtu 1450", device, StringComparison.Ordinal);
        var published = (await api.GetAsync<V1Node>(null, "host-b", CancellationToken.None))!;
        Assert.Equal(macB, FlannelAnnotations.VtepMacOf(published));
        Assert.Equal(RoutedTwoHostNetwork.HostBIp, published.Metadata.Annotations[FlannelAnnotations.PublicIp]);

        // Pod to pod across the router, both ways, with the sender's own address (no NAT); host to pod too.
        await WaitUntilAsync(async () => await TwoHostNetwork.ConnectAsync(_net.PodA, RoutedTwoHostNetwork.PodBIp, 8080) == "srv " + RoutedTwoHostNetwork.PodAIp);
        await WaitUntilAsync(async () => await TwoHostNetwork.ConnectAsync(_net.PodB, RoutedTwoHostNetwork.PodAIp, 8080) == "srv " + RoutedTwoHostNetwork.PodBIp);
        Assert.StartsWith("srv ", await TwoHostNetwork.ConnectAsync(_net.HostA, RoutedTwoHostNetwork.PodBIp, 8080), StringComparison.Ordinal);

        await api.DeleteAsync<V1Node>(null, "host-b", null, CancellationToken.None);
        await WaitUntilAsync(async () => (await routesA.ListAsync(CancellationToken.None)).Count == 0);
        await WaitUntilAsync(async () => (await vxlanA.ListNeighboursAsync(CancellationToken.None)).Count == 0);
        Assert.DoesNotContain(await vxlanA.ListForwardingAsync(CancellationToken.None), f => f.Destination == RoutedTwoHostNetwork.HostBIp);
        Assert.NotEqual("srv " + RoutedTwoHostNetwork.PodAIp, await TwoHostNetwork.ConnectAsync(_net.PodA, RoutedTwoHostNetwork.PodBIp, 8080));

        await stop.CancelAsync();
        await Task.WhenAll(runA, runB).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_node_restarted_with_host_gw_removes_the_vxlan_device_and_routes_its_last_run_left()
    {
        var b = Node("host-b", RoutedTwoHostNetwork.PodCidrB, RoutedTwoHostNetwork.HostBIp);
        b.Metadata.Annotations = new Dictionary<string, string>(FlannelAnnotations.For(RoutedTwoHostNetwork.HostBIp, VtepMac.For(System.Net.IPAddress.Parse(RoutedTwoHostNetwork.HostBIp))));
        List<V1Node> nodes = [Node("host-a", RoutedTwoHostNetwork.PodCidrA, RoutedTwoHostNetwork.HostAIp), b];
        var routes = new IpRouteTable(_net.HostA);
        await new RouteReconciler(routes, "host-a", NullLogger.Instance, PodNetworkBackend.Vxlan, new IpVxlanTable(_net.HostA)).ReconcileAsync(nodes, CancellationToken.None);
        Assert.Contains(VxlanSettings.DeviceName, await TwoHostNetwork.Run("ip", "-n", _net.HostA, "link", "show"), StringComparison.Ordinal);
        Assert.Single(await routes.ListAsync(CancellationToken.None));

        // The next start runs host-gw (the backend flag changed): the first pass removes the device, and with it its
        // neighbour, forwarding entries and route; host-gw has no route to a host behind the router.
        var changes = await new RouteReconciler(routes, "host-a", NullLogger.Instance, PodNetworkBackend.HostGateway, new IpVxlanTable(_net.HostA)).ReconcileAsync(nodes, CancellationToken.None);

        Assert.Equal(["link delete " + VxlanSettings.DeviceName], changes);
        Assert.DoesNotContain(VxlanSettings.DeviceName, await TwoHostNetwork.Run("ip", "-n", _net.HostA, "link", "show"), StringComparison.Ordinal);
        Assert.Empty(await routes.ListAsync(CancellationToken.None));
        Assert.Empty(await new RouteReconciler(routes, "host-a", NullLogger.Instance, PodNetworkBackend.HostGateway, new IpVxlanTable(_net.HostA)).ReconcileAsync(nodes, CancellationToken.None));
    }

    private static async Task<IReadOnlyList<V1Node>> NodesAsync(FakeApiClient api) =>
        (await api.ListAsync<V1Node>(new Skiff.Client.Api.ListOptions(), CancellationToken.None)).Items;

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met within 20 s");
            }

            await Task.Delay(100);
        }
    }
}
