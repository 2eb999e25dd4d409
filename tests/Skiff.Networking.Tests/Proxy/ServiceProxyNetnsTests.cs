using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client;
using Skiff.Networking.Proxy;
using Skiff.Testing;

namespace Skiff.Networking.Tests.Proxy;

/// <summary>
/// The service proxy on a real kernel: its rules applied by <c>nft</c> inside a node namespace the test makes, a
/// listener in a "pod" namespace, connections from another pod namespace (forwarded by the node) and from the node
/// itself. Needs root, <c>ip</c>, <c>nft</c> and <c>python3</c> (as CI has); fails rather than skips without them.
/// </summary>
public sealed class ServiceProxyNetnsTests : IAsyncLifetime
{
    private readonly NetworkNamespaces _net = new();

    public Task InitializeAsync() => _net.CreateAsync();

    public Task DisposeAsync() => _net.DisposeAsync().AsTask();

    [Fact]
    public async Task Cluster_ips_reach_the_endpoint_and_a_service_without_endpoints_is_refused()
    {
        await _net.ListenAsync(8080);
        var api = new FakeApiClient();
        api.Seed(Service("web", "10.43.0.20", nodePort: 30080));
        api.Seed(Slice("web", NetworkNamespaces.ServerIp));
        api.Seed(Service("empty", "10.43.0.21"));
        var options = new ServiceProxyOptions
        {
            NodeName = "node-1",
            PodCidr = NetworkNamespaces.LocalPodCidr,
            ServiceCidr = "10.43.0.0/16",
            Table = ServiceProxyOptions.TableFor("node-1"),
            MinSyncPeriod = TimeSpan.FromMilliseconds(200),
            NetworkNamespace = _net.Node,
        };
        await using var context = ComponentContext.Create(api, TimeProvider.System, NullLoggerFactory.Instance);
        var proxy = new ServiceProxy(options, context);
        using var stop = new CancellationTokenSource();
        var running = proxy.RunAsync(stop.Token);
        try
        {
            await EventuallyAsync(() => Task.FromResult(proxy.Syncs >= 1));

            // From another pod, forwarded by the node: masqueraded (the client is not one of this node's pods).
            Assert.Equal("srv " + NetworkNamespaces.NodeServerSideIp, await _net.ConnectAsync(_net.Client, "10.43.0.20", 80));
            // From the node itself (the output hook), and on its NodePort.
            Assert.StartsWith("srv ", await _net.ConnectAsync(_net.Node, "10.43.0.20", 80), StringComparison.Ordinal);
            Assert.StartsWith("srv ", await _net.ConnectAsync(_net.Node, NetworkNamespaces.NodeServerSideIp, 30080), StringComparison.Ordinal);
            // Hairpin: the endpoint reaches itself through its Service (masqueraded, so the reply comes back through the node).
            Assert.Equal("srv " + NetworkNamespaces.NodeServerSideIp, await _net.ConnectAsync(_net.Server, "10.43.0.20", 80));
            // No endpoints: refused at once, not a hang; also a wrong port of a served address gets nothing of ours.
            Assert.Equal("refused", await _net.ConnectAsync(_net.Client, "10.43.0.21", 80));
            Assert.Equal("refused", await _net.ConnectAsync(_net.Node, "10.43.0.21", 80));

            // Incremental changes: web loses its endpoint, empty gains one.
            var syncs = proxy.Syncs;
            await api.DeleteAsync<V1EndpointSlice>("default", "web-abc", null, CancellationToken.None);
            await api.CreateAsync(Slice("empty", NetworkNamespaces.ServerIp), CancellationToken.None);
            await EventuallyAsync(async () => proxy.Syncs > syncs && (await _net.ConnectAsync(_net.Client, "10.43.0.21", 80)).StartsWith("srv ", StringComparison.Ordinal));
            Assert.Equal("refused", await _net.ConnectAsync(_net.Client, "10.43.0.20", 80));
            // A Service created after the first sync: its address is dropped until a sync programs it.
            syncs = proxy.Syncs;
            await api.CreateAsync(Service("late", "10.43.0.22"), CancellationToken.None);
            await api.CreateAsync(Slice("late", NetworkNamespaces.ServerIp), CancellationToken.None);
            await EventuallyAsync(async () => proxy.Syncs > syncs && (await _net.ConnectAsync(_net.Client, "10.43.0.22", 80)).StartsWith("srv ", StringComparison.Ordinal));
            await api.DeleteAsync<V1Service>("default", "late", null, CancellationToken.None);
            await EventuallyAsync(async () => await _net.ConnectAsync(_net.Client, "10.43.0.22", 80) == "timeout");
            Assert.Contains("no-endpoint-services", await NetworkNamespaces.RunAsync("ip", "netns", "exec", _net.Node, "nft", "list", "table", "ip", options.Table), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }

        // A clean stop removes the table.
        var tables = await NetworkNamespaces.RunAsync("ip", "netns", "exec", _net.Node, "nft", "list", "tables");
        Assert.DoesNotContain(options.Table, tables, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Established_connections_survive_a_full_and_an_incremental_sync()
    {
        // The node's own address is the endpoint of a Service, as the server's is the kubernetes Service's; a
        // connection of the node to itself there (a watch to the API server) is open before the proxy's first sync,
        // so the kernel's conntrack, which nothing in the namespace needed until the proxy's table came, picks it up
        // mid-stream as a new connection.
        await _net.ListenEchoAsync(6443, _net.Node, NetworkNamespaces.NodeServerSideIp);
        await _net.ListenEchoAsync(8080, _net.Server, NetworkNamespaces.ServerIp);
        var toItself = await _net.OpenAsync(_net.Node, NetworkNamespaces.NodeServerSideIp, 6443);
        Assert.Equal("before", await toItself.RoundTripAsync("before"));

        var api = new FakeApiClient();
        api.Seed(Service("kubernetes", "10.43.0.1", port: 443));
        api.Seed(Slice("kubernetes", NetworkNamespaces.NodeServerSideIp, port: 6443));
        api.Seed(Service("web", "10.43.0.20"));
        api.Seed(Slice("web", NetworkNamespaces.ServerIp));
        var options = new ServiceProxyOptions
        {
            NodeName = "node-1",
            PodCidr = NetworkNamespaces.LocalPodCidr,
            ClusterCidr = "10.201.0.0/16",
            Table = ServiceProxyOptions.TableFor("node-1"),
            MinSyncPeriod = TimeSpan.FromMilliseconds(200),
            NetworkNamespace = _net.Node,
        };
        await using var context = ComponentContext.Create(api, TimeProvider.System, NullLoggerFactory.Instance);
        var proxy = new ServiceProxy(options, context);
        using var stop = new CancellationTokenSource();
        var running = proxy.RunAsync(stop.Token);
        try
        {
            await EventuallyAsync(() => Task.FromResult(proxy.Syncs >= 1));
            Assert.Equal("after full sync", await toItself.RoundTripAsync("after full sync"));

            // Connections through the proxied paths, opened now: the node to its own address by the ClusterIP (a
            // hairpin of the node), and a pod of another node to a pod of this one by a ClusterIP.
            var viaClusterIp = await _net.OpenAsync(_net.Node, "10.43.0.1", 443);
            var podToService = await _net.OpenAsync(_net.Client, "10.43.0.20", 80);
            Assert.Equal("one", await viaClusterIp.RoundTripAsync("one"));
            Assert.Equal("one", await podToService.RoundTripAsync("one"));

            // An incremental sync that rewrites the chains and sets of both Services and adds one.
            var syncs = proxy.Syncs;
            await api.CreateAsync(Service("other", "10.43.0.30"), CancellationToken.None);
            await api.CreateAsync(Slice("other", NetworkNamespaces.ServerIp), CancellationToken.None);
            var kubernetes = Slice("kubernetes", NetworkNamespaces.NodeServerSideIp, port: 6443);
            kubernetes.Endpoints.Add(new V1Endpoint { Addresses = ["10.201.0.9"], NodeName = "node-1", Conditions = new V1EndpointConditions { Ready = true } });
            await api.UpdateAsync(kubernetes, CancellationToken.None);
            await EventuallyAsync(async () => proxy.Syncs > syncs
                && (await NetworkNamespaces.RunAsync("ip", "netns", "exec", _net.Node, "nft", "list", "table", "ip", options.Table)).Contains("10.201.0.9", StringComparison.Ordinal));

            Assert.Equal("after incremental sync", await toItself.RoundTripAsync("after incremental sync"));
            Assert.Equal("two", await viaClusterIp.RoundTripAsync("two"));
            Assert.Equal("two", await podToService.RoundTripAsync("two"));
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }
    }

    [Fact]
    public async Task Pod_traffic_leaving_the_cluster_range_is_masqueraded_and_traffic_inside_it_keeps_its_source()
    {
        var table = ServiceProxyOptions.TableFor("node-1");
        var nft = new NftCommand(_net.Node);
        await _net.ListenAsync(9090, _net.Client, NetworkNamespaces.ClientIp);

        // The client namespace outside the cluster range: the server pod's connection arrives from the node.
        await nft.ApplyAsync(NftTransaction.Full(ProxyRules.Build([], table, NetworkNamespaces.LocalPodCidr, "10.201.0.0/24")), CancellationToken.None);
        Assert.Equal("srv 10.201.1.1", await _net.ConnectAsync(_net.Server, NetworkNamespaces.ClientIp, 9090));

        // The client namespace inside the cluster range (another node's pods): no NAT, the pod's own address.
        await nft.ApplyAsync(NftTransaction.Full(ProxyRules.Build([], table, NetworkNamespaces.LocalPodCidr, "10.201.0.0/16")), CancellationToken.None);
        Assert.Equal("srv " + NetworkNamespaces.ServerIp, await _net.ConnectAsync(_net.Server, NetworkNamespaces.ClientIp, 9090));
        await nft.DeleteTableAsync(table, CancellationToken.None);
    }

    [Fact]
    public async Task Traffic_to_an_unallocated_cluster_ip_is_dropped_and_to_a_wrong_port_of_a_cluster_ip_rejected()
    {
        // Beyond the node (its default route), something answers every address of the Service range, as a network
        // outside may: traffic that leaves the node untranslated reaches it.
        await _net.ListenAsync(8080);
        foreach (var address in new[] { "10.43.0.20/32", "10.43.0.99/32" })
        {
            await NetworkNamespaces.RunAsync("ip", "-n", _net.Server, "addr", "add", address, "dev", "lo");
        }

        await _net.ListenAsync(80, _net.Server, "0.0.0.0");
        await _net.ListenAsync(81, _net.Server, "0.0.0.0");
        var table = ServiceProxyOptions.TableFor("node-1");
        var nft = new NftCommand(_net.Node);
        var web = Port("web", "10.43.0.20") with { AffinitySeconds = 0 };

        // Without the Service range, an unknown ClusterIP escapes: the outside answers.
        await nft.ApplyAsync(NftTransaction.Full(ProxyRules.Build([web], table, NetworkNamespaces.LocalPodCidr)), CancellationToken.None);
        Assert.Equal("srv " + NetworkNamespaces.ClientIp, await _net.ConnectAsync(_net.Client, "10.43.0.99", 80));

        await nft.ApplyAsync(NftTransaction.Full(ProxyRules.Build([web], table, NetworkNamespaces.LocalPodCidr, serviceCidr: "10.43.0.0/16")), CancellationToken.None);
        // The Service itself, from a pod and from the node.
        Assert.Equal("srv " + NetworkNamespaces.NodeServerSideIp, await _net.ConnectAsync(_net.Client, "10.43.0.20", 80));
        Assert.StartsWith("srv ", await _net.ConnectAsync(_net.Node, "10.43.0.20", 80), StringComparison.Ordinal);
        // An address of the range no Service holds (yet): dropped, from a pod and from the node; the client retries.
        Assert.Equal("timeout", await _net.ConnectAsync(_net.Client, "10.43.0.99", 80));
        Assert.Equal("timeout", await _net.ConnectAsync(_net.Node, "10.43.0.99", 80));
        // A port of a ClusterIP that no Service has: refused.
        Assert.Equal("refused", await _net.ConnectAsync(_net.Client, "10.43.0.20", 81));
        Assert.Equal("refused", await _net.ConnectAsync(_net.Node, "10.43.0.20", 81));
        // Addresses outside the range are not the proxy's.
        Assert.StartsWith("srv ", await _net.ConnectAsync(_net.Client, NetworkNamespaces.ServerIp, 81), StringComparison.Ordinal);
        await nft.DeleteTableAsync(table, CancellationToken.None);
    }

    [Fact]
    public async Task A_local_address_in_the_service_range_is_reached_on_any_port()
    {
        // The cluster DNS address is bound on the node (10.43.0.10 on lo) and is the kube-dns Service's own endpoint.
        await NetworkNamespaces.RunAsync("ip", "-n", _net.Node, "addr", "add", "10.43.0.10/32", "dev", "lo");
        await _net.ListenAsync(53, _net.Node, "10.43.0.10");
        await _net.ListenAsync(9153, _net.Node, "10.43.0.10");
        var table = ServiceProxyOptions.TableFor("node-1");
        var nft = new NftCommand(_net.Node);
        var dns = Port("kube-dns", "10.43.0.10") with
        {
            AffinitySeconds = 0,
            Port = 53,
            Endpoints = [new ProxiedEndpoint("10.43.0.10", 53, true, true, false, true)],
        };
        await nft.ApplyAsync(NftTransaction.Full(ProxyRules.Build([dns], table, NetworkNamespaces.LocalPodCidr, serviceCidr: "10.43.0.0/16")), CancellationToken.None);
        Assert.StartsWith("srv ", await _net.ConnectAsync(_net.Client, "10.43.0.10", 53), StringComparison.Ordinal);
        Assert.StartsWith("srv ", await _net.ConnectAsync(_net.Node, "10.43.0.10", 53), StringComparison.Ordinal);
        Assert.StartsWith("srv ", await _net.ConnectAsync(_net.Node, "10.43.0.10", 9153), StringComparison.Ordinal);
        await nft.DeleteTableAsync(table, CancellationToken.None);
    }

    [Fact]
    public async Task A_full_sync_replaces_stale_rules_left_by_an_earlier_run()
    {
        var table = ServiceProxyOptions.TableFor("node-1");
        var nft = new NftCommand(_net.Node);
        var stale = ProxyRules.Build([Port("old", "10.43.0.99")], table, NetworkNamespaces.LocalPodCidr);
        await nft.ApplyAsync(NftTransaction.Full(stale), CancellationToken.None);
        Assert.Contains("10.43.0.99", await nft.ListTableAsync(table, CancellationToken.None), StringComparison.Ordinal);

        var fresh = ProxyRules.Build([Port("new", "10.43.0.20")], table, NetworkNamespaces.LocalPodCidr);
        await nft.ApplyAsync(NftTransaction.Full(fresh), CancellationToken.None);
        var listed = await nft.ListTableAsync(table, CancellationToken.None);
        Assert.DoesNotContain("10.43.0.99", listed, StringComparison.Ordinal);
        Assert.Contains("10.43.0.20", listed, StringComparison.Ordinal);

        // An incremental transaction the kernel refuses changes nothing (one transaction).
        await Assert.ThrowsAsync<NftException>(() => nft.ApplyAsync($"add chain ip {table} extra\nadd rule ip {table} no-such-chain accept\n", CancellationToken.None));
        Assert.DoesNotContain("chain extra", await nft.ListTableAsync(table, CancellationToken.None), StringComparison.Ordinal);
        await nft.DeleteTableAsync(table, CancellationToken.None);
    }

    [Fact]
    public async Task Incremental_transactions_leave_the_kernel_as_a_full_sync_would_and_a_refused_one_is_repaired_by_a_full_sync()
    {
        var table = ServiceProxyOptions.TableFor("node-1");
        var nft = new NftCommand(_net.Node);
        var cluster = new Dictionary<string, ProxiedPort>(StringComparer.Ordinal);
        var state = new ProxyTableState(table, NetworkNamespaces.LocalPodCidr);
        void Set(ProxiedPort port)
        {
            cluster["default/" + port.Name] = port;
            state.Changed("default/" + port.Name);
        }

        async Task<ProxySync> SyncAsync()
        {
            var sync = state.Prepare(k => cluster.TryGetValue(k, out var p) ? [p] : [], ProxyRules.NewTable(table, NetworkNamespaces.LocalPodCidr));
            try
            {
                await nft.ApplyAsync(sync.Text, CancellationToken.None);
                state.Applied(sync);
            }
            catch (NftException)
            {
                state.Failed();
                throw;
            }

            return sync;
        }

        Set(Port("a", "10.43.0.10") with { AffinitySeconds = 0, Endpoints = [Endpoint("10.88.0.2"), Endpoint("10.88.0.3")] });
        Set(Port("b", "10.43.0.11") with { NodePort = 30080 });
        Set(Port("c", "10.43.0.12"));
        Assert.True((await SyncAsync()).Full);

        // One endpoint replaced, a Service removed, its ClusterIP reused by a new one, one losing its endpoints.
        Set(Port("a", "10.43.0.10") with { AffinitySeconds = 0, Endpoints = [Endpoint("10.88.0.2"), Endpoint("10.88.0.9")] });
        cluster.Remove("default/b");
        state.Changed("default/b");
        Set(Port("z", "10.43.0.11"));
        Set(Port("c", "10.43.0.12") with { Endpoints = [] });
        Assert.False((await SyncAsync()).Full);
        var incremental = await nft.ListTableAsync(table, CancellationToken.None);
        Assert.DoesNotContain("10.88.0.3", incremental, StringComparison.Ordinal);
        Assert.DoesNotContain("default/b/", incremental, StringComparison.Ordinal);
        Assert.DoesNotContain("service-default/c/", incremental, StringComparison.Ordinal);

        state.Failed();
        await SyncAsync();
        Assert.Equal(Listed(await nft.ListTableAsync(table, CancellationToken.None)), Listed(incremental));

        // A new affinity timeout re-creates the endpoint's set, which the kernel refuses while its Service's chain
        // still uses it: nothing changes, and the next sync (full) brings the table there.
        Set(Port("z", "10.43.0.11") with { AffinitySeconds = 120 });
        await Assert.ThrowsAsync<NftException>(SyncAsync);
        Assert.DoesNotContain("timeout 2m", await nft.ListTableAsync(table, CancellationToken.None), StringComparison.Ordinal);
        Assert.True((await SyncAsync()).Full);
        Assert.Contains("timeout 2m", await nft.ListTableAsync(table, CancellationToken.None), StringComparison.Ordinal);
        await nft.DeleteTableAsync(table, CancellationToken.None);
    }

    [Fact]
    public async Task Every_endpoint_of_a_service_is_picked_from_the_map_and_an_endpoint_change_only_changes_elements()
    {
        await _net.ListenAsync(8080);
        var table = ServiceProxyOptions.TableFor("node-1");
        var nft = new NftCommand(_net.Node);
        var state = new ProxyTableState(table, NetworkNamespaces.LocalPodCidr);
        var listening = new ProxiedEndpoint(NetworkNamespaces.ServerIp, 8080, true, true, false, true);
        var port = Port("a", "10.43.0.10") with { AffinitySeconds = 0, Endpoints = [listening, listening with { Port = 8081 }] };
        async Task<ProxySync> SyncAsync()
        {
            state.Changed("default/a");
            var sync = state.Prepare(_ => [port], ProxyRules.NewTable(table, NetworkNamespaces.LocalPodCidr));
            await nft.ApplyAsync(sync.Text, CancellationToken.None);
            state.Applied(sync);
            return sync;
        }

        async Task<HashSet<string>> AnswersAsync()
        {
            var answers = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < 24 && answers.Count < 2; i++)
            {
                answers.Add(await _net.ConnectAsync(_net.Client, "10.43.0.10", 80));
            }

            return answers;
        }

        // Two endpoints, one of them a port nobody listens on: both indices of the random pick are reached.
        await SyncAsync();
        Assert.Equal(["refused", "srv " + NetworkNamespaces.NodeServerSideIp], (await AnswersAsync()).Order(StringComparer.Ordinal));

        // The dead endpoint replaced: a transaction of map elements alone, and every connection is answered.
        port = port with { Endpoints = [listening, listening] };
        var change = await SyncAsync();
        Assert.All(change.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.Contains(" element ip ", l, StringComparison.Ordinal));
        Assert.Equal(["srv " + NetworkNamespaces.NodeServerSideIp], await AnswersAsync());
        await nft.DeleteTableAsync(table, CancellationToken.None);
    }

    [Fact]
    public async Task An_incremental_sync_adds_the_dispatch_chain_of_a_new_endpoint_count_for_every_protocol()
    {
        // nft reads the endpoint maps back from the kernel when it adds a rule to a table that exists: CI saw the
        // kernel's table refuse a dispatch chain for a count no port had before ("conflicting protocols specified:
        // tcp vs. th") until a full sync replaced the table.
        await _net.ListenAsync(8080);
        var table = ServiceProxyOptions.TableFor("node-1");
        var nft = new NftCommand(_net.Node);
        var state = new ProxyTableState(table, NetworkNamespaces.LocalPodCidr);
        var listening = new ProxiedEndpoint(NetworkNamespaces.ServerIp, 8080, true, true, false, true);
        var ports = new Dictionary<string, ProxiedPort>(StringComparer.Ordinal)
        {
            ["default/a"] = Port("a", "10.43.0.10") with { AffinitySeconds = 0, NodePort = 30080, Endpoints = [listening] },
        };
        async Task<ProxySync> SyncAsync(params string[] changed)
        {
            foreach (var key in changed)
            {
                state.Changed(key);
            }

            var sync = state.Prepare(k => ports.TryGetValue(k, out var p) ? [p] : [], ProxyRules.NewTable(table, NetworkNamespaces.LocalPodCidr));
            await nft.ApplyAsync(sync.Text, CancellationToken.None);
            state.Applied(sync);
            return sync;
        }

        Assert.True((await SyncAsync("default/a")).Full);
        ports["default/a"] = ports["default/a"] with { Endpoints = [listening, listening, listening] };
        foreach (var protocol in new[] { "udp", "sctp" })
        {
            ports["default/" + protocol] = Port(protocol, protocol == "udp" ? "10.43.0.11" : "10.43.0.12") with
            {
                AffinitySeconds = 0,
                Protocol = protocol,
                NodePort = protocol == "udp" ? 30081 : 30082,
                Endpoints = [listening, listening],
            };
        }

        var change = await SyncAsync("default/a", "default/udp", "default/sctp");
        Assert.False(change.Full);
        Assert.Contains($"add chain ip {table} dispatch-tcp-3", change.Text, StringComparison.Ordinal);
        var listing = await nft.ListTableAsync(table, CancellationToken.None);
        foreach (var map in new[] { "@cluster-endpoints-tcp", "@cluster-endpoints-udp", "@cluster-endpoints-sctp", "@nodeport-endpoints-tcp", "@nodeport-endpoints-udp", "@nodeport-endpoints-sctp" })
        {
            Assert.Contains(map, listing, StringComparison.Ordinal);
        }

        Assert.Equal("srv " + NetworkNamespaces.NodeServerSideIp, await _net.ConnectAsync(_net.Client, "10.43.0.10", 80));
        await nft.DeleteTableAsync(table, CancellationToken.None);
    }

    /// <summary>A table's listing as a sorted list of lines (chains are listed in the order they were made).</summary>
    private static List<string> Listed(string listing) =>
        [.. listing.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).Order(StringComparer.Ordinal)];

    private static ProxiedEndpoint Endpoint(string ip) => new(ip, 8080, true, true, false, false);

    private static ProxiedPort Port(string name, string ip) => new()
    {
        Namespace = "default",
        Name = name,
        PortName = "80",
        Protocol = "tcp",
        ClusterIp = ip,
        Port = 80,
        AffinitySeconds = 60,
        Endpoints = [new ProxiedEndpoint(NetworkNamespaces.ServerIp, 8080, true, true, false, true)],
    };

    private static V1Service Service(string name, string clusterIp, int nodePort = 0, int port = 80) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1ServiceSpec
        {
            Type = nodePort > 0 ? "NodePort" : "ClusterIP",
            ClusterIP = clusterIp,
            Ports = [new V1ServicePort { Port = port, Protocol = "TCP", NodePort = nodePort > 0 ? nodePort : null }],
        },
    };

    private static V1EndpointSlice Slice(string service, string ip, int port = 8080) => new()
    {
        ApiVersion = "discovery.k8s.io/v1",
        Kind = "EndpointSlice",
        Metadata = new V1ObjectMeta { Name = service + "-abc", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Port = port, Protocol = "TCP" }],
        Endpoints = [new V1Endpoint { Addresses = [ip], NodeName = "node-1", Conditions = new V1EndpointConditions { Ready = true } }],
    };

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the proxy did not get there within 20 s");
            await Task.Delay(100);
        }
    }
}
