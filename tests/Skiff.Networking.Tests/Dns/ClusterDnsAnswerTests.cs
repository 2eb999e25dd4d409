using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client.Cache;
using Skiff.Networking.Dns;
using static Skiff.Networking.Tests.Dns.DnsObjects;

namespace Skiff.Networking.Tests.Dns;

/// <summary>Every record type and every rcode of the cluster zone, against in-memory caches, as CoreDNS's kubernetes
/// plugin answers them. Run twice: over whole objects (a node's informers, shared with its proxy) and over what
/// <c>skiff dns</c> keeps of them (<see cref="DnsProjection"/>): the answers must not differ.</summary>
public class ClusterDnsAnswerTests : IAsyncLifetime
{
    private readonly Cache<V1Service> _services;
    private readonly Cache<V1EndpointSlice> _slices;
    private readonly ClusterDnsServer _server;

    public ClusterDnsAnswerTests()
        : this(projected: false)
    {
    }

    protected ClusterDnsAnswerTests(bool projected)
    {
        var (data, services, slices) = ClusterDnsData.InMemory();
        _services = new Cache<V1Service>(services, projected ? DnsProjection.Project : s => s);
        _slices = new Cache<V1EndpointSlice>(slices, projected ? DnsProjection.Project : s => s);
        // Upstream: a port nobody serves on loopback, so every forwarded name fails (SERVFAIL) quickly.
        _server = new ClusterDnsServer(data, new ClusterDnsOptions { ForwardTimeout = TimeSpan.FromMilliseconds(300) }, [new IPEndPoint(IPAddress.Loopback, 9)], TimeProvider.System, NullLogger.Instance);
        _services.Upsert(ClusterIp("web", "10.43.0.20", "default", Port("http", 80), Port("dns", 53, "UDP")));
        _services.Upsert(ClusterIp("kube-dns", "10.43.0.10", "kube-system", Port("dns", 53, "UDP"), Port("dns-tcp", 53)));
        _services.Upsert(Headless("db", "default", Port("pg", 5432)));
        _slices.Upsert(Slice("db", "default", [Endpoint("10.88.0.5", hostname: "db-0"), Endpoint("10.88.0.6"), Endpoint("10.88.0.7", ready: false)], SlicePort("pg", 5432)));
        _slices.Upsert(Slice("web", "default", [Endpoint("10.88.0.9")], SlicePort("http", 8080)));
        _services.Upsert(Headless("empty"));
        _services.Upsert(ExternalName("search", "www.example.com"));
        _services.Upsert(ExternalName("inner", "web.default.svc.cluster.local"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_of_a_cluster_ip_service_is_its_cluster_ip_with_ttl_5()
    {
        var response = await AskAsync("web.default.svc.cluster.local", RecordType.A);
        Assert.Equal(ReturnCode.NoError, response.ReturnCode);
        Assert.True(response.IsAuthoritiveAnswer);
        var a = Assert.Single(response.AnswerRecords.OfType<ARecord>());
        Assert.Equal(IPAddress.Parse("10.43.0.20"), a.Address);
        Assert.Equal(5, a.TimeToLive);
    }

    [Fact]
    public async Task A_of_a_headless_service_is_every_ready_endpoint()
    {
        var response = await AskAsync("db.default.svc.cluster.local", RecordType.A);
        Assert.Equal(ReturnCode.NoError, response.ReturnCode);
        Assert.Equal(["10.88.0.5", "10.88.0.6"], response.AnswerRecords.OfType<ARecord>().Select(a => a.Address.ToString()).Order());
    }

    [Fact]
    public async Task A_of_a_headless_service_without_ready_endpoints_is_nxdomain()
    {
        var response = await AskAsync("empty.default.svc.cluster.local", RecordType.A);
        Assert.Equal(ReturnCode.NxDomain, response.ReturnCode);
        Assert.IsType<SoaRecord>(Assert.Single(response.AuthorityRecords));
    }

    [Fact]
    public async Task Aaaa_of_an_ipv4_service_is_nodata_with_the_soa()
    {
        var response = await AskAsync("web.default.svc.cluster.local", RecordType.Aaaa);
        Assert.Equal(ReturnCode.NoError, response.ReturnCode);
        Assert.Empty(response.AnswerRecords);
        var soa = Assert.IsType<SoaRecord>(Assert.Single(response.AuthorityRecords));
        Assert.Equal("cluster.local.", soa.Name.ToString());
        Assert.Equal("ns.dns.cluster.local.", soa.MasterName.ToString());
        Assert.Equal(5, soa.NegativeCachingTTL);
    }

    [Theory]
    [InlineData("nope.default.svc.cluster.local")]      // no such service
    [InlineData("web.other.svc.cluster.local")]         // not in that namespace
    [InlineData("x.y.z.web.default.svc.cluster.local")] // too long
    [InlineData("web.default.foo.cluster.local")]       // neither svc nor pod
    [InlineData("10-88-0-7.db.default.svc.cluster.local")] // a not-ready endpoint
    [InlineData("x.search.default.svc.cluster.local")]  // an ExternalName has no endpoints
    [InlineData("nonsense.default.pod.cluster.local")]  // not an address
    public async Task Names_that_do_not_exist_are_nxdomain(string name)
    {
        var response = await AskAsync(name, RecordType.A);
        Assert.Equal(ReturnCode.NxDomain, response.ReturnCode);
        Assert.Empty(response.AnswerRecords);
        Assert.IsType<SoaRecord>(Assert.Single(response.AuthorityRecords));
    }

    [Theory]
    [InlineData("cluster.local")]
    [InlineData("svc.cluster.local")]
    [InlineData("default.svc.cluster.local")]
    [InlineData("anything.svc.cluster.local")]
    [InlineData("default.pod.cluster.local")]
    public async Task Intermediate_names_are_nodata(string name)
    {
        var response = await AskAsync(name, RecordType.A);
        Assert.Equal(ReturnCode.NoError, response.ReturnCode);
        Assert.Empty(response.AnswerRecords);
        Assert.IsType<SoaRecord>(Assert.Single(response.AuthorityRecords));
    }

    [Fact]
    public async Task Other_types_of_an_existing_name_are_nodata_and_of_a_missing_one_nxdomain()
    {
        Assert.Equal(ReturnCode.NoError, (await AskAsync("web.default.svc.cluster.local", RecordType.Mx)).ReturnCode);
        Assert.Equal(ReturnCode.NxDomain, (await AskAsync("nope.default.svc.cluster.local", RecordType.Mx)).ReturnCode);
        Assert.Equal(ReturnCode.NoError, (await AskAsync("web.default.svc.cluster.local", RecordType.Txt)).ReturnCode);
    }

    [Fact]
    public async Task Srv_of_a_named_port_targets_the_service_with_its_address_as_additional()
    {
        var response = await AskAsync("_http._tcp.web.default.svc.cluster.local", RecordType.Srv);
        var srv = Assert.Single(response.AnswerRecords.OfType<SrvRecord>());
        Assert.Equal(80, srv.Port);
        Assert.Equal(0, srv.Priority);
        Assert.Equal(100, srv.Weight);
        Assert.Equal("web.default.svc.cluster.local.", srv.Target.ToString());
        var glue = Assert.Single(response.AdditionalRecords.OfType<ARecord>());
        Assert.Equal("10.43.0.20", glue.Address.ToString());
    }

    [Fact]
    public async Task Srv_of_the_service_name_lists_every_port()
    {
        var response = await AskAsync("web.default.svc.cluster.local", RecordType.Srv);
        Assert.Equal([53, 80], response.AnswerRecords.OfType<SrvRecord>().Select(s => (int)s.Port).Order());
        Assert.All(response.AnswerRecords.OfType<SrvRecord>(), s => Assert.Equal(50, s.Weight));
    }

    [Fact]
    public async Task Srv_of_a_port_the_service_lacks_is_nxdomain()
    {
        Assert.Equal(ReturnCode.NxDomain, (await AskAsync("_https._tcp.web.default.svc.cluster.local", RecordType.Srv)).ReturnCode);
        Assert.Equal(ReturnCode.NxDomain, (await AskAsync("_http._udp.web.default.svc.cluster.local", RecordType.Srv)).ReturnCode);
        var udp = await AskAsync("_dns._udp.web.default.svc.cluster.local", RecordType.Srv);
        Assert.Equal(53, Assert.Single(udp.AnswerRecords.OfType<SrvRecord>()).Port);
    }

    [Fact]
    public async Task Srv_of_a_headless_service_targets_each_ready_endpoint_by_hostname_or_dashed_address()
    {
        var response = await AskAsync("_pg._tcp.db.default.svc.cluster.local", RecordType.Srv);
        var targets = response.AnswerRecords.OfType<SrvRecord>().Select(s => $"{s.Target}:{s.Port}").Order().ToList();
        Assert.Equal(["10-88-0-6.db.default.svc.cluster.local.:5432", "db-0.db.default.svc.cluster.local.:5432"], targets);
        Assert.Equal(
            ["10-88-0-6.db.default.svc.cluster.local.=10.88.0.6", "db-0.db.default.svc.cluster.local.=10.88.0.5"],
            response.AdditionalRecords.OfType<ARecord>().Select(a => $"{a.Name}={a.Address}").Order());
    }

    [Fact]
    public async Task Endpoint_hostnames_resolve_like_statefulset_pods()
    {
        var byHostname = await AskAsync("db-0.db.default.svc.cluster.local", RecordType.A);
        Assert.Equal("10.88.0.5", Assert.Single(byHostname.AnswerRecords.OfType<ARecord>()).Address.ToString());
        var byAddress = await AskAsync("10-88-0-6.db.default.svc.cluster.local", RecordType.A);
        Assert.Equal("10.88.0.6", Assert.Single(byAddress.AnswerRecords.OfType<ARecord>()).Address.ToString());
        // Endpoint names exist below ClusterIP Services too.
        var clusterIpEndpoint = await AskAsync("10-88-0-9.web.default.svc.cluster.local", RecordType.A);
        Assert.Equal("10.88.0.9", Assert.Single(clusterIpEndpoint.AnswerRecords.OfType<ARecord>()).Address.ToString());
    }

    [Fact]
    public async Task Pod_names_are_their_dashed_address()
    {
        var response = await AskAsync("10-88-0-42.default.pod.cluster.local", RecordType.A);
        Assert.Equal("10.88.0.42", Assert.Single(response.AnswerRecords.OfType<ARecord>()).Address.ToString());
    }

    [Fact]
    public async Task ExternalName_is_a_cname_and_its_target_inside_the_zone_is_followed()
    {
        var cname = await AskAsync("search.default.svc.cluster.local", RecordType.CName);
        Assert.Equal("www.example.com.", Assert.Single(cname.AnswerRecords.OfType<CNameRecord>()).CanonicalName.ToString());

        var inner = await AskAsync("inner.default.svc.cluster.local", RecordType.A);
        Assert.Equal("web.default.svc.cluster.local.", Assert.Single(inner.AnswerRecords.OfType<CNameRecord>()).CanonicalName.ToString());
        Assert.Equal("10.43.0.20", Assert.Single(inner.AnswerRecords.OfType<ARecord>()).Address.ToString());

        // A ClusterIP Service has no CNAME.
        var none = await AskAsync("web.default.svc.cluster.local", RecordType.CName);
        Assert.Equal(ReturnCode.NoError, none.ReturnCode);
        Assert.Empty(none.AnswerRecords);
    }

    [Fact]
    public async Task Ptr_of_a_cluster_ip_is_the_service_and_of_an_endpoint_its_name()
    {
        var service = await AskAsync("20.0.43.10.in-addr.arpa", RecordType.Ptr);
        Assert.Equal("web.default.svc.cluster.local.", Assert.Single(service.AnswerRecords.OfType<PtrRecord>()).PointerDomainName.ToString());
        var endpoint = await AskAsync("5.0.88.10.in-addr.arpa", RecordType.Ptr);
        Assert.Equal("db-0.db.default.svc.cluster.local.", Assert.Single(endpoint.AnswerRecords.OfType<PtrRecord>()).PointerDomainName.ToString());
    }

    [Fact]
    public async Task Ptr_of_an_unknown_address_falls_through_upstream()
    {
        var response = await AskAsync("1.2.3.4.in-addr.arpa", RecordType.Ptr);
        Assert.Equal(ReturnCode.ServerFailure, response.ReturnCode); // no upstream answers here
    }

    [Fact]
    public async Task The_apex_has_soa_ns_and_the_schema_version()
    {
        var soa = await AskAsync("cluster.local", RecordType.Soa);
        Assert.IsType<SoaRecord>(Assert.Single(soa.AnswerRecords));
        var ns = await AskAsync("cluster.local", RecordType.Ns);
        Assert.Equal("ns.dns.cluster.local.", Assert.Single(ns.AnswerRecords.OfType<NsRecord>()).NameServer.ToString());
        Assert.Equal("10.43.0.10", Assert.Single(ns.AdditionalRecords.OfType<ARecord>()).Address.ToString());
        var txt = await AskAsync("dns-version.cluster.local", RecordType.Txt);
        Assert.Equal("1.1.0", Assert.Single(txt.AnswerRecords.OfType<TxtRecord>()).TextData);
    }

    [Fact]
    public async Task Zone_transfers_are_refused()
    {
        Assert.Equal(ReturnCode.Refused, (await AskAsync("cluster.local", RecordType.Axfr)).ReturnCode);
    }

    [Fact]
    public async Task Names_are_case_insensitive()
    {
        var response = await AskAsync("WEB.Default.SVC.cluster.LOCAL", RecordType.A);
        Assert.Equal("10.43.0.20", Assert.Single(response.AnswerRecords.OfType<ARecord>()).Address.ToString());
    }

    [Fact]
    public async Task Names_outside_the_zone_are_servfail_when_no_upstream_answers()
    {
        var response = await AskAsync("example.org", RecordType.A);
        Assert.Equal(ReturnCode.ServerFailure, response.ReturnCode);
    }

    [Fact]
    public async Task Until_the_caches_sync_a_missing_name_is_servfail()
    {
        var (_, services, slices) = ClusterDnsData.InMemory();
        var unsynced = new ClusterDnsData(services, slices, () => false);
        await using var server = new ClusterDnsServer(unsynced, new ClusterDnsOptions(), [], TimeProvider.System, NullLogger.Instance);
        var response = await server.AnswerAsync(Query("web.default.svc.cluster.local", RecordType.A), CancellationToken.None);
        Assert.Equal(ReturnCode.ServerFailure, response.ReturnCode);
    }

    [Fact]
    public async Task A_query_with_two_questions_is_a_format_error()
    {
        var query = Query("web.default.svc.cluster.local", RecordType.A);
        query.Questions.Add(new DnsQuestion(DomainName.Parse("db.default.svc.cluster.local"), RecordType.A, RecordClass.INet));
        Assert.Equal(ReturnCode.FormatError, (await _server.AnswerAsync(query, CancellationToken.None)).ReturnCode);
    }

    [Fact]
    public async Task Answers_follow_the_caches()
    {
        _services.Remove("default/web");
        Assert.Equal(ReturnCode.NxDomain, (await AskAsync("web.default.svc.cluster.local", RecordType.A)).ReturnCode);
        _services.Upsert(ClusterIp("web", "10.43.0.99"));
        Assert.Equal("10.43.0.99", Assert.Single((await AskAsync("web.default.svc.cluster.local", RecordType.A)).AnswerRecords.OfType<ARecord>()).Address.ToString());
    }

    private Task<DnsMessage> AskAsync(string name, RecordType type) => _server.AnswerAsync(Query(name, type), CancellationToken.None);

    internal static DnsMessage Query(string name, RecordType type)
    {
        var query = new DnsMessage { IsRecursionDesired = true };
        query.Questions.Add(new DnsQuestion(DomainName.Parse(name), type, RecordClass.INet));
        return query;
    }

    /// <summary>The test's way into a cache: every object through the projection under test.</summary>
    private sealed class Cache<T>(IndexedCache<T> cache, Func<T, T> keep)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        public void Upsert(T obj) => cache.Upsert(keep(obj));

        public void Remove(string key) => cache.Remove(key);
    }
}

/// <summary>The same answers from the caches of <c>skiff dns</c>, which keep only what DNS reads.</summary>
public sealed class ProjectedClusterDnsAnswerTests : ClusterDnsAnswerTests
{
    public ProjectedClusterDnsAnswerTests()
        : base(projected: true)
    {
    }
}
