using Skiff.Networking.Proxy;

namespace Skiff.Networking.Tests.Proxy;

/// <summary>The incremental path: only the Services noted as changed are re-rendered, and a sync's transaction
/// touches only their chains and map elements; a failed apply makes the next sync a full one.</summary>
public sealed class ProxyTableStateTests
{
    private const string Table = "t";
    private const string PodCidr = "10.88.0.0/24";

    private readonly Dictionary<string, ProxiedPort> _cluster = new(StringComparer.Ordinal);
    private readonly List<string> _rendered = [];
    private readonly ProxyTableState _state = new(Table, PodCidr);

    private static ProxiedPort Port(string name, string clusterIp, int nodePort = 0, int affinity = 0, params string[] endpoints) => new()
    {
        Namespace = "default",
        Name = name,
        PortName = "http",
        Protocol = "tcp",
        ClusterIp = clusterIp,
        Port = 80,
        NodePort = nodePort,
        AffinitySeconds = affinity,
        Endpoints = [.. endpoints.Select(ip => new ProxiedEndpoint(ip, 8080, true, true, false, false))],
    };

    private void Set(ProxiedPort port)
    {
        _cluster["default/" + port.Name] = port;
        _state.Changed("default/" + port.Name);
    }

    private void Remove(string name)
    {
        _cluster.Remove("default/" + name);
        _state.Changed("default/" + name);
    }

    private ProxySync Sync()
    {
        _rendered.Clear();
        var sync = _state.Prepare(
            key =>
            {
                _rendered.Add(key);
                return _cluster.TryGetValue(key, out var port) ? [port] : [];
            },
            ProxyRules.NewTable(Table, PodCidr));
        _state.Applied(sync);
        return sync;
    }

    /// <summary>A full transaction's lines in order-free form: the table's three opening lines, then every other
    /// line sorted (declarations come before rules either way; the parts are only grouped differently).</summary>
    private static string[] Sorted(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return [.. lines[..3], .. lines[3..].Order(StringComparer.Ordinal)];
    }

    private static string[] Lines(ProxySync sync) => sync.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private void Start()
    {
        Set(Port("a", "10.43.0.10", endpoints: ["10.88.0.2", "10.88.0.3"]));
        Set(Port("b", "10.43.0.11", nodePort: 30080, endpoints: ["10.88.0.4"]));
        Set(Port("c", "10.43.0.12", affinity: 60, endpoints: ["10.88.0.5"]));
        var first = Sync();
        Assert.True(first.Full);
        Assert.Equal(3, first.ChangedServices);
    }

    [Fact]
    public void The_first_sync_is_full_and_equals_the_whole_table_rendered_at_once()
    {
        Start();
        var ports = _cluster.Values.ToList();
        _state.Failed();
        Assert.Equal(Sorted(NftTransaction.Full(ProxyRules.Build(ports, Table, PodCidr))), Sorted(Sync().Text));
    }

    [Fact]
    public void An_endpoint_change_renders_only_its_service_and_changes_only_its_map_elements()
    {
        Start();
        Set(Port("a", "10.43.0.10", endpoints: ["10.88.0.2", "10.88.0.7"]));
        var sync = Sync();
        Assert.False(sync.Full);
        Assert.Equal(["default/a"], _rendered);
        Assert.Equal(
        [
            "delete element ip t cluster-endpoints-tcp { 10.43.0.10 . tcp . 80 . 1 }",
            "delete element ip t hairpin-endpoints { 10.88.0.3 . 10.88.0.3 }",
            "add element ip t cluster-endpoints-tcp { 10.43.0.10 . tcp . 80 . 1 : 10.88.0.7 . 8080 }",
            "add element ip t hairpin-endpoints { 10.88.0.7 . 10.88.0.7 }",
        ], Lines(sync));

        // Nothing changed since: an empty transaction, nothing rendered.
        var idle = Sync();
        Assert.Equal(string.Empty, idle.Text);
        Assert.Empty(_rendered);
    }

    [Fact]
    public void A_service_with_its_own_chains_has_them_rewritten()
    {
        Start();
        Set(Port("c", "10.43.0.12", affinity: 60, endpoints: ["10.88.0.6"]));
        var lines = Lines(Sync());
        Assert.Equal("add set ip t affinity-default/c/tcp/http__10.88.0.6/8080 { type ipv4_addr; flags dynamic,timeout; timeout 60s; }", lines[0]);
        Assert.Equal("delete element ip t hairpin-endpoints { 10.88.0.5 . 10.88.0.5 }", lines[1]);
        Assert.Equal("flush chain ip t service-default/c/tcp/http", lines[2]);
        Assert.All(lines[3..^2], l => Assert.StartsWith("add rule ip t service-default/c/tcp/http ", l, StringComparison.Ordinal));
        Assert.Equal("add element ip t hairpin-endpoints { 10.88.0.6 . 10.88.0.6 }", lines[^2]);
        Assert.Equal("delete set ip t affinity-default/c/tcp/http__10.88.0.5/8080", lines[^1]);
    }

    [Fact]
    public void A_dispatch_chain_comes_with_its_first_user_and_goes_after_its_last()
    {
        Start();
        Set(Port("d", "10.43.0.13", endpoints: ["10.88.0.8", "10.88.0.9", "10.88.0.10"]));
        var lines = Lines(Sync());
        Assert.Equal("add chain ip t dispatch-tcp-3", lines[0]);
        Assert.Contains("add rule ip t dispatch-tcp-3 meta l4proto tcp dnat to ip daddr . meta l4proto . th dport . numgen random mod 3 map @cluster-endpoints-tcp", lines);
        Assert.True(Array.IndexOf(lines, "add element ip t service-ips { 10.43.0.13 . tcp . 80 : goto dispatch-tcp-3 }") > Array.FindLastIndex(lines, l => l.StartsWith("add rule ip t dispatch-tcp-3 ", StringComparison.Ordinal)));

        // A second user: the chain is not touched again.
        Set(Port("e", "10.43.0.14", endpoints: ["10.88.0.11", "10.88.0.12", "10.88.0.13"]));
        Assert.DoesNotContain("chain", Sync().Text, StringComparison.Ordinal);

        // The first user goes to two endpoints (a chain in use already): the chain of three stays for the other.
        Set(Port("d", "10.43.0.13", endpoints: ["10.88.0.8", "10.88.0.9"]));
        Assert.DoesNotContain("chain", Sync().Text, StringComparison.Ordinal);

        Remove("e");
        lines = Lines(Sync());
        Assert.Equal(["flush chain ip t dispatch-tcp-3", "delete chain ip t dispatch-tcp-3"], lines[^2..]);
        Assert.True(Array.IndexOf(lines, "delete element ip t service-ips { 10.43.0.14 . tcp . 80 }") < lines.Length - 2);
    }

    [Fact]
    public void Incremental_syncs_leave_the_table_a_full_sync_writes()
    {
        // A model of the kernel's table (with its refusals) takes every transaction of a random history: Services
        // coming, going, changing endpoints (shared by several Services), endpoint counts, NodePorts and affinity.
        var kernel = new NftModel();
        var random = new Random(7);
        var incremental = 0;
        for (var round = 0; round < 400; round++)
        {
            var i = random.Next(12);
            if (random.Next(5) == 0)
            {
                Remove("s" + i);
            }
            else
            {
                var endpoints = Enumerable.Range(0, random.Next(5)).Select(_ => $"10.88.{random.Next(2)}.{100 + random.Next(16)}").Distinct().ToArray();
                Set(Port("s" + i, $"10.43.1.{i}", nodePort: random.Next(3) == 0 ? 30000 + i : 0, affinity: random.Next(6) == 0 ? 30 : 0, endpoints: endpoints));
            }

            if (random.Next(3) == 0)
            {
                var sync = Sync();
                incremental += sync.Full ? 0 : 1;
                kernel.Apply(sync.Text);
            }
        }

        kernel.Apply(Sync().Text);
        Assert.True(incremental > 50);
        var full = new NftModel();
        full.Apply(NftTransaction.Full(ProxyRules.Build(_cluster.Values, Table, PodCidr)));
        Assert.Equal(full.ToString(), kernel.ToString());
        Assert.Contains("dispatch-tcp-", full.ToString(), StringComparison.Ordinal);
        Assert.Contains("10.88.0.1", full.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_removed_service_loses_its_chains_sets_map_elements_and_the_dispatch_chains_only_it_used()
    {
        Start();
        Remove("b");
        Remove("c");
        Assert.Equal(
        [
            "delete element ip t cluster-endpoints-tcp { 10.43.0.11 . tcp . 80 . 0 }",
            "delete element ip t cluster-ips { 10.43.0.11, 10.43.0.12 }",
            "delete element ip t hairpin-endpoints { 10.88.0.4 . 10.88.0.4, 10.88.0.5 . 10.88.0.5 }",
            "delete element ip t nodeport-endpoints-tcp { tcp . 30080 . 0 }",
            "delete element ip t service-ips { 10.43.0.11 . tcp . 80 }",
            "delete element ip t service-ips { 10.43.0.12 . tcp . 80 }",
            "delete element ip t service-nodeports { tcp . 30080 }",
            "flush chain ip t dispatch-tcp-1",
            "flush chain ip t nodeport-dispatch-tcp-1",
            "flush chain ip t service-default/c/tcp/http",
            "delete chain ip t dispatch-tcp-1",
            "delete chain ip t nodeport-dispatch-tcp-1",
            "delete chain ip t service-default/c/tcp/http",
            "delete set ip t affinity-default/c/tcp/http__10.88.0.5/8080",
        ], Lines(Sync()).Order(StringComparer.Ordinal).OrderBy(Phase));
    }

    [Fact]
    public void An_endpoint_of_two_services_stays_in_the_hairpin_set_until_neither_uses_it()
    {
        Start();
        Set(Port("d", "10.43.0.13", endpoints: ["10.88.0.2"]));
        Assert.DoesNotContain("hairpin-endpoints", Sync().Text, StringComparison.Ordinal);
        Remove("a");
        Assert.DoesNotContain("10.88.0.2 . 10.88.0.2", Sync().Text, StringComparison.Ordinal);
        Remove("d");
        Assert.Contains("delete element ip t hairpin-endpoints { 10.88.0.2 . 10.88.0.2 }", Lines(Sync()));
    }

    [Fact]
    public void A_cluster_ip_passed_from_a_deleted_service_to_a_new_one_is_deleted_before_it_is_added()
    {
        Start();
        Remove("a");
        Set(Port("z", "10.43.0.10", endpoints: ["10.88.0.9"]));
        var lines = Lines(Sync());
        var deleted = Array.IndexOf(lines, "delete element ip t service-ips { 10.43.0.10 . tcp . 80 }");
        var added = Array.IndexOf(lines, "add element ip t service-ips { 10.43.0.10 . tcp . 80 : goto dispatch-tcp-1 }");
        Assert.True(deleted >= 0 && added > deleted, string.Join('\n', lines));
        var endpointDeleted = Array.IndexOf(lines, "delete element ip t cluster-endpoints-tcp { 10.43.0.10 . tcp . 80 . 0, 10.43.0.10 . tcp . 80 . 1 }");
        var endpointAdded = Array.IndexOf(lines, "add element ip t cluster-endpoints-tcp { 10.43.0.10 . tcp . 80 . 0 : 10.88.0.9 . 8080 }");
        Assert.True(endpointDeleted >= 0 && endpointAdded > endpointDeleted, string.Join('\n', lines));
    }

    [Fact]
    public void After_a_failed_apply_the_next_sync_replaces_the_table_whole()
    {
        Start();
        Set(Port("a", "10.43.0.10", endpoints: ["10.88.0.8"]));
        _rendered.Clear();
        var refused = _state.Prepare(key => _cluster.TryGetValue(key, out var p) ? [p] : [], ProxyRules.NewTable(Table, PodCidr));
        Assert.False(refused.Full);
        _state.Failed();
        Assert.False(_state.InSync);

        // No further change: still a full sync, of every Service as the caches now say.
        var retry = Sync();
        Assert.True(retry.Full);
        Assert.Empty(_rendered);
        Assert.Equal(Sorted(NftTransaction.Full(ProxyRules.Build(_cluster.Values, Table, PodCidr))), Sorted(retry.Text));
        Assert.True(_state.InSync);
    }

    [Fact]
    public void A_change_of_the_tables_own_chains_alone_touches_no_service()
    {
        Start();
        var withEgress = ProxyRules.NewTable(Table, PodCidr, "10.42.0.0/16");
        var sync = _state.Prepare(_ => throw new InvalidOperationException("no service changed"), withEgress);
        Assert.Equal(
        [
            "add chain ip t pod-egress",
            "flush chain ip t nat-postrouting",
            "add rule ip t nat-postrouting jump masquerading",
            "add rule ip t nat-postrouting jump pod-egress",
            "add rule ip t pod-egress ip saddr 10.88.0.0/24 ip daddr != 10.88.0.0/24 ip daddr != 10.42.0.0/16 masquerade",
        ], Lines(sync));
    }

    /// <summary>The transaction's phases (element deletions, rewrites, flushes, deletions), for comparing a
    /// transaction's lines without depending on the order within a phase.</summary>
    private static int Phase(string line) =>
        line.StartsWith("delete element", StringComparison.Ordinal) ? 0
        : line.StartsWith("flush", StringComparison.Ordinal) ? 1
        : line.StartsWith("delete chain", StringComparison.Ordinal) ? 2
        : 3;
}
