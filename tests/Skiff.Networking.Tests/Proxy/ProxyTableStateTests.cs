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
    public void A_change_to_one_service_renders_and_touches_only_its_chain()
    {
        Start();
        Set(Port("a", "10.43.0.10", endpoints: ["10.88.0.2", "10.88.0.7"]));
        var sync = Sync();
        Assert.False(sync.Full);
        Assert.Equal(["default/a"], _rendered);
        var lines = Lines(sync);
        Assert.Equal("delete element ip t hairpin-endpoints { 10.88.0.3 . 10.88.0.3 }", lines[0]);
        Assert.Equal("flush chain ip t service-default/a/tcp/http", lines[1]);
        Assert.All(lines[2..^1], l => Assert.StartsWith("add rule ip t service-default/a/tcp/http ", l, StringComparison.Ordinal));
        Assert.Equal("add element ip t hairpin-endpoints { 10.88.0.7 . 10.88.0.7 }", lines[^1]);
        Assert.Contains(lines, l => l.EndsWith("dnat to 10.88.0.7:8080", StringComparison.Ordinal));
        Assert.DoesNotContain(lines[1..], l => l.Contains("10.88.0.3", StringComparison.Ordinal));

        // Nothing changed since: an empty transaction, nothing rendered.
        var idle = Sync();
        Assert.Equal(string.Empty, idle.Text);
        Assert.Empty(_rendered);
    }

    [Fact]
    public void A_removed_service_loses_its_chains_sets_and_map_elements()
    {
        Start();
        Remove("b");
        Remove("c");
        Assert.Equal(
        [
            "delete element ip t hairpin-endpoints { 10.88.0.4 . 10.88.0.4, 10.88.0.5 . 10.88.0.5 }",
            "delete element ip t service-ips { 10.43.0.11 . tcp . 80 }",
            "delete element ip t service-ips { 10.43.0.12 . tcp . 80 }",
            "delete element ip t service-nodeports { tcp . 30080 }",
            "flush chain ip t external-default/b/tcp/http",
            "flush chain ip t service-default/b/tcp/http",
            "flush chain ip t service-default/c/tcp/http",
            "delete chain ip t external-default/b/tcp/http",
            "delete chain ip t service-default/b/tcp/http",
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
        var added = Array.IndexOf(lines, "add element ip t service-ips { 10.43.0.10 . tcp . 80 : goto service-default/z/tcp/http }");
        Assert.True(deleted >= 0 && added > deleted, string.Join('\n', lines));
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
