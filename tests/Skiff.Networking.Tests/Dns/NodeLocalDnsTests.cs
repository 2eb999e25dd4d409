using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client;
using Skiff.Networking.Dns;
using Skiff.Testing;
using static Skiff.Networking.Tests.Dns.DnsObjects;

namespace Skiff.Networking.Tests.Dns;

/// <summary>Cluster DNS as <c>skiff agent</c> runs it on its node: from the node's own informers, on the cluster
/// DNS address (a loopback port here), and not at all when that address is already served on the machine.</summary>
public sealed class NodeLocalDnsTests
{
    [Fact]
    public async Task An_agent_serves_the_clusters_services_from_its_own_informers()
    {
        var port = DigIntegrationTests.FreeUdpAndTcpPort();
        var api = new FakeApiClient();
        api.Seed(ClusterIp("web", "10.43.0.20", "default", Port("http", 80)));
        await using var context = ComponentContext.Create(api, TimeProvider.System, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        var running = NodeLocalDns.RunAsync(new ClusterDnsOptions(), new IPEndPoint(IPAddress.Loopback, port), context, stop.Token);
        try
        {
            Assert.Equal("10.43.0.20", await Dig.ShortUntilAsync(port, "web.default.svc.cluster.local", "A", "10.43.0.20", running));

            // A Service made later is answered too: the node's watch, not a copy taken at start.
            api.Seed(ClusterIp("api", "10.43.0.21", "other", Port("http", 80)));
            Assert.Equal("10.43.0.21", await Dig.ShortUntilAsync(port, "api.other.svc.cluster.local", "A", "10.43.0.21"));
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }

    [Fact]
    public async Task A_machine_that_already_serves_the_address_gets_no_second_server()
    {
        using var other = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var taken = (IPEndPoint)other.Client.LocalEndPoint!;
        await using var context = ComponentContext.Create(new FakeApiClient(), TimeProvider.System, NullLoggerFactory.Instance);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        // Returns at once (nothing to serve) instead of running until cancelled.
        await NodeLocalDns.RunAsync(new ClusterDnsOptions(), taken, context, timeout.Token);
        Assert.False(timeout.IsCancellationRequested);
        Assert.Equal(SocketError.AddressAlreadyInUse, NodeLocalDns.Probe(taken));
    }

    [Fact]
    public void An_address_that_is_not_on_the_machine_is_told_apart_from_a_free_one()
    {
        // 192.0.2.0/24 is TEST-NET-1: on no interface here. Probing binds; it sends nothing.
        Assert.Equal(SocketError.AddressNotAvailable, NodeLocalDns.Probe(new IPEndPoint(IPAddress.Parse("192.0.2.55"), 53)));
        Assert.Equal(SocketError.Success, NodeLocalDns.Probe(new IPEndPoint(IPAddress.Loopback, DigIntegrationTests.FreeUdpAndTcpPort())));
    }
}
