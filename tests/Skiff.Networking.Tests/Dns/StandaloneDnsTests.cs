using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client;
using Skiff.Networking.Dns;
using Skiff.Testing;
using static Skiff.Networking.Tests.Dns.DnsObjects;

namespace Skiff.Networking.Tests.Dns;

/// <summary>Cluster DNS as <c>skiff dns</c> runs it, alone in its process: it answers from informers that keep
/// only what DNS reads, and lists each kind once.</summary>
public sealed class StandaloneDnsTests
{
    [Fact]
    public async Task Alone_in_its_process_dns_keeps_only_what_it_reads_and_still_answers_every_kind_of_name()
    {
        var port = DigIntegrationTests.FreeUdpAndTcpPort();
        var api = new FakeApiClient();
        var web = ClusterIp("web", "10.43.0.20", "default", Port("http", 80));
        web.Metadata.Annotations = new Dictionary<string, string> { ["kubectl.kubernetes.io/last-applied-configuration"] = new string('x', 4096) };
        web.Spec.Selector = new Dictionary<string, string> { ["app"] = "web" };
        api.Seed(web);
        api.Seed(Headless("db", "default", Port("pg", 5432)));
        api.Seed(Slice("db", "default", [Endpoint("10.88.0.5", hostname: "db-0"), Endpoint("10.88.0.7", ready: false)], SlicePort("pg", 5432)));
        await using var context = ComponentContext.Create(api, TimeProvider.System, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        var options = new ClusterDnsOptions { Listen = [new IPEndPoint(IPAddress.Loopback, port)], Upstreams = [new IPEndPoint(IPAddress.Loopback, 9)], AloneInProcess = true };
        var running = ClusterDnsHost.RunAsync(options, context, stop.Token);
        try
        {
            Assert.Equal("10.43.0.20", await Dig.ShortUntilAsync(port, "web.default.svc.cluster.local", "A", "10.43.0.20", running));
            Assert.Equal("10.88.0.5", (await Dig.RunAsync(port, "+short", "db.default.svc.cluster.local", "A")).Trim());
            Assert.Equal("0 100 5432 db-0.db.default.svc.cluster.local.", (await Dig.RunAsync(port, "+short", "_pg._tcp.db.default.svc.cluster.local", "SRV")).Trim());
            Assert.Equal("web.default.svc.cluster.local.", (await Dig.RunAsync(port, "+short", "-x", "10.43.0.20")).Trim());

            var cached = context.Informers.Get<V1Service>(DnsProjection.InformerOptions).Cache.Get("default", "web");
            Assert.NotNull(cached);
            Assert.Null(cached.Metadata.Annotations);
            Assert.Null(cached.Spec.Selector);
            Assert.Equal("10.43.0.20", cached.Spec.ClusterIP);
            Assert.Single(api.Calls, c => c.Verb == "list" && c.Resource == "services");
            Assert.Single(api.Calls, c => c.Verb == "list" && c.Resource == "endpointslices");
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }
}
