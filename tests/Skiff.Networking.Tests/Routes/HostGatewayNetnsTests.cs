using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client;
using Skiff.Networking.Routes;
using Skiff.Testing;
using static Skiff.Networking.Tests.Routes.RouteNodes;

namespace Skiff.Networking.Tests.Routes;

/// <summary>
/// host-gw on a real kernel: a route controller per "host" namespace, each with the real <see cref="IpRouteTable"/>
/// and the Nodes of a fake API, makes a pod behind host A reach a pod behind host B and back; a node deleted loses
/// its route, a route of another protocol is left alone. Needs root, <c>ip</c> and <c>python3</c> (as CI has); fails
/// rather than skips without them.
/// </summary>
public sealed class HostGatewayNetnsTests : IAsyncLifetime
{
    private readonly TwoHostNetwork _net = new();

    public Task InitializeAsync() => _net.CreateAsync();

    public Task DisposeAsync() => _net.DisposeAsync().AsTask();

    [Fact]
    public async Task Pods_on_two_hosts_reach_each_other_through_the_installed_routes_until_a_node_leaves()
    {
        await _net.ListenAsync(_net.PodB, TwoHostNetwork.PodBIp, 8080);
        await _net.ListenAsync(_net.PodA, TwoHostNetwork.PodAIp, 8080);
        Assert.NotEqual("srv " + TwoHostNetwork.PodAIp, await TwoHostNetwork.ConnectAsync(_net.PodA, TwoHostNetwork.PodBIp, 8080)); // no route yet

        var api = new FakeApiClient();
        api.Seed(Node("host-a", TwoHostNetwork.PodCidrA, TwoHostNetwork.HostAIp));
        api.Seed(Node("host-b", TwoHostNetwork.PodCidrB, TwoHostNetwork.HostBIp));
        // Someone else's route on host A, with the default protocol: never ours to remove.
        await TwoHostNetwork.Run("ip", "-n", _net.HostA, "route", "add", "10.206.0.0/24", "via", TwoHostNetwork.HostBIp);

        await using var contextA = ComponentContext.Create(api, TimeProvider.System, NullLoggerFactory.Instance);
        await using var contextB = ComponentContext.Create(api, TimeProvider.System, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        contextA.Informers.Start(stop.Token);
        contextB.Informers.Start(stop.Token);
        var tableA = new IpRouteTable(_net.HostA);
        var runA = NodeRoutesController.RunAsync("host-a", tableA, contextA, stop.Token);
        var runB = NodeRoutesController.RunAsync("host-b", new IpRouteTable(_net.HostB), contextB, stop.Token);

        await WaitUntilAsync(async () => (await tableA.ListAsync(CancellationToken.None)).Count == 1);
        Assert.Equal([new PodRoute(TwoHostNetwork.PodCidrB, TwoHostNetwork.HostBIp)], await tableA.ListAsync(CancellationToken.None));
        // Pod to pod across the hosts, both ways, and the receiving pod sees the sender's own address (no NAT).
        await WaitUntilAsync(async () => await TwoHostNetwork.ConnectAsync(_net.PodA, TwoHostNetwork.PodBIp, 8080) == "srv " + TwoHostNetwork.PodAIp);
        Assert.Equal("srv " + TwoHostNetwork.PodBIp, await TwoHostNetwork.ConnectAsync(_net.PodB, TwoHostNetwork.PodAIp, 8080));
        // Host to pod too.
        Assert.Equal("srv " + TwoHostNetwork.HostAIp, await TwoHostNetwork.ConnectAsync(_net.HostA, TwoHostNetwork.PodBIp, 8080));
        var shown = await TwoHostNetwork.Run("ip", "-n", _net.HostA, "route", "show", TwoHostNetwork.PodCidrB);
        Assert.Contains($"{TwoHostNetwork.PodCidrB} via {TwoHostNetwork.HostBIp} dev eth0 proto 151", shown, StringComparison.Ordinal);

        await api.DeleteAsync<V1Node>(null, "host-b", null, CancellationToken.None);
        await WaitUntilAsync(async () => (await tableA.ListAsync(CancellationToken.None)).Count == 0);
        Assert.NotEqual("srv " + TwoHostNetwork.PodAIp, await TwoHostNetwork.ConnectAsync(_net.PodA, TwoHostNetwork.PodBIp, 8080));
        Assert.Contains("10.206.0.0/24", await TwoHostNetwork.Run("ip", "-n", _net.HostA, "route", "show"), StringComparison.Ordinal);

        await stop.CancelAsync();
        await Task.WhenAll(runA, runB).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task The_table_lists_only_routes_with_our_protocol()
    {
        var table = new IpRouteTable(_net.HostA);
        await TwoHostNetwork.Run("ip", "-n", _net.HostA, "route", "add", "10.206.0.0/24", "via", TwoHostNetwork.HostBIp);
        await table.ReplaceAsync(new PodRoute(TwoHostNetwork.PodCidrB, TwoHostNetwork.HostBIp), CancellationToken.None);

        Assert.Equal([new PodRoute(TwoHostNetwork.PodCidrB, TwoHostNetwork.HostBIp)], await table.ListAsync(CancellationToken.None));
        Assert.True(await table.IsOnLinkAsync(System.Net.IPAddress.Parse(TwoHostNetwork.HostBIp), CancellationToken.None));
        Assert.False(await table.IsOnLinkAsync(System.Net.IPAddress.Parse("10.206.0.5"), CancellationToken.None)); // via a gateway
        Assert.False(await table.IsOnLinkAsync(System.Net.IPAddress.Parse(TwoHostNetwork.HostAIp), CancellationToken.None)); // our own

        await table.DeleteAsync(TwoHostNetwork.PodCidrB, CancellationToken.None);
        Assert.Empty(await table.ListAsync(CancellationToken.None));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met within 15 s");
            }

            await Task.Delay(100);
        }
    }
}
