using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client.Cache;
using Skiff.Networking.Dns;
using static Skiff.Networking.Tests.Dns.DnsObjects;

namespace Skiff.Networking.Tests.Dns;

/// <summary>The DNS server on a loopback port, queried by the real resolver <c>dig</c> over UDP and TCP, with EDNS0
/// and truncation, and forwarding to an upstream server (another instance on loopback).</summary>
public sealed class DigIntegrationTests : IAsyncLifetime
{
    private readonly int _port = FreeUdpAndTcpPort();
    private readonly int _upstreamPort = FreeUdpAndTcpPort();
    private ClusterDnsServer _server = null!;
    private ClusterDnsServer _upstream = null!;

    public async Task InitializeAsync()
    {
        var (data, services, slices) = ClusterDnsData.InMemory();
        services.Upsert(ClusterIp("web", "10.43.0.20", "default", Port("http", 80)));
        services.Upsert(Headless("many", "default", Port("http", 80)));
        slices.Upsert(Slice("many", "default", Enumerable.Range(1, 100).Select(i => Endpoint($"10.88.1.{i}")), SlicePort("http", 80)));

        // The "internet": a second server whose zone is example.test.
        var (upstreamData, upstreamServices, _) = ClusterDnsData.InMemory();
        upstreamServices.Upsert(ClusterIp("www", "192.0.2.7", "site", Port("http", 80)));
        _upstream = new ClusterDnsServer(upstreamData, new ClusterDnsOptions { Zone = "example.test", TtlSeconds = 60, Listen = [new IPEndPoint(IPAddress.Loopback, _upstreamPort)] }, [], TimeProvider.System, NullLogger.Instance);
        _upstream.Start();

        // 2 s to forward: the first forwarded query compiles the forwarding path in both servers, and a busy CI run
        // once took longer than 500 ms (SERVFAIL for a name the upstream has). Still under dig's 5 s per try.
        var options = new ClusterDnsOptions { Listen = [new IPEndPoint(IPAddress.Loopback, _port)], ForwardTimeout = TimeSpan.FromSeconds(2) };
        _server = new ClusterDnsServer(data, options, [new IPEndPoint(IPAddress.Loopback, _upstreamPort)], TimeProvider.System, NullLogger.Instance);
        _server.Start();
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Dig_gets_a_service_over_udp_and_tcp()
    {
        Assert.Equal("10.43.0.20", (await Dig.RunAsync(_port, "+short", "web.default.svc.cluster.local", "A")).Trim());
        Assert.Equal("10.43.0.20", (await Dig.RunAsync(_port, "+short", "+tcp", "web.default.svc.cluster.local", "A")).Trim());
        var full = await Dig.RunAsync(_port, "web.default.svc.cluster.local", "A");
        Assert.Contains("status: NOERROR", full, StringComparison.Ordinal);
        Assert.Contains("flags: qr aa rd", full, StringComparison.Ordinal);
        Assert.Matches(@"web\.default\.svc\.cluster\.local\.\s+5\s+IN\s+A\s+10\.43\.0\.20", full);
    }

    [Fact]
    public async Task Dig_sees_nxdomain_nodata_srv_and_ptr()
    {
        Assert.Contains("status: NXDOMAIN", await Dig.RunAsync(_port, "nope.default.svc.cluster.local", "A"), StringComparison.Ordinal);
        var nodata = await Dig.RunAsync(_port, "web.default.svc.cluster.local", "AAAA");
        Assert.Contains("status: NOERROR", nodata, StringComparison.Ordinal);
        Assert.Contains("ANSWER: 0", nodata, StringComparison.Ordinal);
        Assert.Contains("ns.dns.cluster.local. hostmaster.cluster.local.", nodata, StringComparison.Ordinal);
        Assert.Equal("0 100 80 web.default.svc.cluster.local.", (await Dig.RunAsync(_port, "+short", "_http._tcp.web.default.svc.cluster.local", "SRV")).Trim());
        Assert.Equal("web.default.svc.cluster.local.", (await Dig.RunAsync(_port, "+short", "-x", "10.43.0.20")).Trim());
    }

    [Fact]
    public async Task A_large_answer_is_truncated_over_plain_udp_and_whole_over_edns_and_tcp()
    {
        var plain = await Dig.RunAsync(_port, "+noedns", "+ignore", "many.default.svc.cluster.local", "A");
        var flags = System.Text.RegularExpressions.Regex.Match(plain, "flags: ([a-z ]+);").Groups[1].Value.Split(' ');
        Assert.Contains("tc", flags);
        Assert.Contains("aa", flags);

        var edns = await Dig.RunAsync(_port, "+bufsize=4096", "+ignore", "many.default.svc.cluster.local", "A");
        Assert.Contains("ANSWER: 100", edns, StringComparison.Ordinal);
        Assert.Contains("EDNS: version: 0", edns, StringComparison.Ordinal);

        // dig retries over TCP by itself when it sees TC.
        var retried = await Dig.RunAsync(_port, "+noedns", "+short", "many.default.svc.cluster.local", "A");
        Assert.Equal(100, retried.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Other_names_are_forwarded_cached_and_servfail_when_upstream_is_gone()
    {
        Assert.Equal("192.0.2.7", (await Dig.RunAsync(_port, "+short", "www.site.svc.example.test", "A")).Trim());
        await _upstream.DisposeAsync();
        // Still answered: from the cache.
        Assert.Equal("192.0.2.7", (await Dig.RunAsync(_port, "+short", "www.site.svc.example.test", "A")).Trim());
        // Not cached and no upstream: SERVFAIL.
        Assert.Contains("status: SERVFAIL", await Dig.RunAsync(_port, "other.site.svc.example.test", "A"), StringComparison.Ordinal);
    }

    /// <summary>A port free for both UDP and TCP on 127.0.0.1.</summary>
    internal static int FreeUdpAndTcpPort()
    {
        for (var attempt = 0; ; attempt++)
        {
            using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
            try
            {
                using var tcp = new TcpListener(IPAddress.Loopback, port);
                tcp.Start();
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
            }
        }
    }
}
