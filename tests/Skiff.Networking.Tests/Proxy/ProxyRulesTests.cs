using Skiff.Networking.Proxy;

namespace Skiff.Networking.Tests.Proxy;

/// <summary>Golden rule sets per Service shape (what <c>nft -f -</c> receives).</summary>
public sealed class ProxyRulesTests
{
    private const string Table = "t";
    private const string PodCidr = "10.88.0.0/24";

    private static ProxiedPort Port(int endpoints = 2, int nodePort = 0, int affinity = 0, bool internalLocal = false, bool externalLocal = false, string name = "web") => new()
    {
        Namespace = "default",
        Name = name,
        PortName = "http",
        Protocol = "tcp",
        ClusterIp = "10.43.0.20",
        Port = 80,
        NodePort = nodePort,
        AffinitySeconds = affinity,
        InternalLocal = internalLocal,
        ExternalLocal = externalLocal,
        Endpoints = [.. Enumerable.Range(1, endpoints).Select(i => new ProxiedEndpoint($"10.88.0.{i + 1}", 8080, true, true, false, Local: i == 1))],
    };

    private static string[] Lines(params ProxiedPort[] ports) =>
        NftTransaction.Full(ProxyRules.Build(ports, Table, PodCidr)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static readonly string[] Skeleton =
    [
        "add table ip t",
        "delete table ip t",
        "add table ip t { comment \"skiff service proxy\"; }",
    ];

    [Fact]
    public void A_cluster_ip_service_dispatches_with_equal_probability_to_each_endpoint()
    {
        var lines = Lines(Port());
        Assert.Equal(Skeleton, lines[..3]);
        string[] expected =
        [
            "add chain ip t cluster-ips-check",
            "add chain ip t dispatch-tcp-2",
            "add chain ip t filter-forward { type filter hook forward priority -110; policy accept; }",
            "add chain ip t filter-input { type filter hook input priority -110; policy accept; }",
            "add chain ip t filter-output { type filter hook output priority -110; policy accept; }",
            "add chain ip t filter-output-post-dnat { type filter hook output priority -90; policy accept; }",
            "add chain ip t mark-for-masquerade",
            "add chain ip t masquerading",
            "add chain ip t nat-output { type nat hook output priority -100; policy accept; }",
            "add chain ip t nat-postrouting { type nat hook postrouting priority srcnat; policy accept; }",
            "add chain ip t nat-prerouting { type nat hook prerouting priority dstnat; policy accept; }",
            "add chain ip t nodeport-endpoints-check",
            "add chain ip t reject-chain",
            "add chain ip t service-endpoints-check",
            "add chain ip t services",
            "add set ip t cluster-ips { type ipv4_addr; }",
            "add set ip t hairpin-endpoints { type ipv4_addr . ipv4_addr; }",
            "add map ip t cluster-endpoints-sctp { typeof ip daddr . meta l4proto . th dport . numgen random mod 1 : ip daddr . sctp dport; }",
            "add map ip t cluster-endpoints-tcp { typeof ip daddr . meta l4proto . th dport . numgen random mod 1 : ip daddr . tcp dport; }",
            "add map ip t cluster-endpoints-udp { typeof ip daddr . meta l4proto . th dport . numgen random mod 1 : ip daddr . udp dport; }",
            "add map ip t no-endpoint-nodeports { type inet_proto . inet_service : verdict; }",
            "add map ip t no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict; }",
            "add map ip t nodeport-endpoints-sctp { typeof meta l4proto . th dport . numgen random mod 1 : ip daddr . sctp dport; }",
            "add map ip t nodeport-endpoints-tcp { typeof meta l4proto . th dport . numgen random mod 1 : ip daddr . tcp dport; }",
            "add map ip t nodeport-endpoints-udp { typeof meta l4proto . th dport . numgen random mod 1 : ip daddr . udp dport; }",
            "add map ip t service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }",
            "add map ip t service-nodeports { type inet_proto . inet_service : verdict; }",
            "add rule ip t cluster-ips-check fib daddr type local return",
            "add rule ip t cluster-ips-check ip daddr @cluster-ips reject",
            "add rule ip t dispatch-tcp-2 ip saddr != 10.88.0.0/24 mark set mark or 0x4000",
            "add rule ip t dispatch-tcp-2 meta l4proto tcp dnat to ip daddr . meta l4proto . th dport . numgen random mod 2 map @cluster-endpoints-tcp",
            "add rule ip t filter-forward ct state new jump service-endpoints-check",
            "add rule ip t filter-forward ct state new jump cluster-ips-check",
            "add rule ip t filter-input ct state new jump nodeport-endpoints-check",
            "add rule ip t filter-input ct state new jump service-endpoints-check",
            "add rule ip t filter-output ct state new jump service-endpoints-check",
            "add rule ip t filter-output ct state new jump nodeport-endpoints-check",
            "add rule ip t filter-output-post-dnat ct state new jump cluster-ips-check",
            "add rule ip t mark-for-masquerade mark set mark or 0x4000",
            "add rule ip t masquerading ct status dnat ip saddr . ip daddr @hairpin-endpoints mark set mark or 0x4000",
            "add rule ip t masquerading mark and 0x4000 == 0 return",
            "add rule ip t masquerading mark set mark xor 0x4000",
            "add rule ip t masquerading masquerade fully-random",
            "add rule ip t nat-output jump services",
            "add rule ip t nat-postrouting jump masquerading",
            "add rule ip t nat-prerouting jump services",
            "add rule ip t nodeport-endpoints-check fib daddr type local meta l4proto . th dport vmap @no-endpoint-nodeports",
            "add rule ip t reject-chain reject",
            "add rule ip t service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services",
            "add rule ip t services ip daddr . meta l4proto . th dport vmap @service-ips",
            "add rule ip t services fib daddr type local meta l4proto . th dport vmap @service-nodeports",
            "add element ip t cluster-ips { 10.43.0.20 }",
            "add element ip t hairpin-endpoints { 10.88.0.2 . 10.88.0.2, 10.88.0.3 . 10.88.0.3 }",
            "add element ip t cluster-endpoints-tcp { 10.43.0.20 . tcp . 80 . 0 : 10.88.0.2 . 8080, 10.43.0.20 . tcp . 80 . 1 : 10.88.0.3 . 8080 }",
            "add element ip t service-ips { 10.43.0.20 . tcp . 80 : goto dispatch-tcp-2 }",
        ];
        Assert.Equal(expected, lines[3..]);
    }

    [Fact]
    public void A_node_port_goes_through_a_dispatch_chain_that_masquerades()
    {
        var lines = Lines(Port(nodePort: 30080));
        Assert.Contains("add element ip t service-nodeports { tcp . 30080 : goto nodeport-dispatch-tcp-2 }", lines);
        Assert.Contains("add element ip t nodeport-endpoints-tcp { tcp . 30080 . 0 : 10.88.0.2 . 8080, tcp . 30080 . 1 : 10.88.0.3 . 8080 }", lines);
        Assert.Equal(
        [
            "add rule ip t nodeport-dispatch-tcp-2 mark set mark or 0x4000",
            "add rule ip t nodeport-dispatch-tcp-2 meta l4proto tcp dnat to meta l4proto . th dport . numgen random mod 2 map @nodeport-endpoints-tcp",
        ], lines.Where(l => l.StartsWith("add rule ip t nodeport-dispatch-", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, l => l.Contains("chain ip t external-", StringComparison.Ordinal) || l.Contains("chain ip t service-default", StringComparison.Ordinal));

        // With ClientIP affinity, the port has chains of its own.
        var affinity = Lines(Port(nodePort: 30080, affinity: 60));
        Assert.Contains("add element ip t service-nodeports { tcp . 30080 : goto external-default/web/tcp/http }", affinity);
        Assert.Contains("add rule ip t external-default/web/tcp/http jump mark-for-masquerade", affinity);
        Assert.Contains("add rule ip t external-default/web/tcp/http goto service-default/web/tcp/http", affinity);
    }

    [Fact]
    public void Only_endpoints_in_this_nodes_pod_range_have_a_hairpin_pair()
    {
        var port = Port() with { Endpoints = [new ProxiedEndpoint("10.88.0.2", 8080, true, true, false, true), new ProxiedEndpoint("10.89.0.2", 8080, true, true, false, false)] };
        var lines = Lines(port);
        Assert.Contains("add element ip t hairpin-endpoints { 10.88.0.2 . 10.88.0.2 }", lines);
        Assert.Contains("add element ip t cluster-endpoints-tcp { 10.43.0.20 . tcp . 80 . 0 : 10.88.0.2 . 8080, 10.43.0.20 . tcp . 80 . 1 : 10.89.0.2 . 8080 }", lines);

        // Without a known pod range, every endpoint has one.
        var unknown = NftTransaction.Full(ProxyRules.Build([port], Table, null)).Split('\n');
        Assert.Contains("add element ip t hairpin-endpoints { 10.88.0.2 . 10.88.0.2, 10.89.0.2 . 10.89.0.2 }", unknown);
    }

    [Fact]
    public void Ports_of_one_protocol_and_endpoint_count_share_one_dispatch_chain()
    {
        var lines = Lines(Port(), Port(name: "other") with { ClusterIp = "10.43.0.21" }, Port(name: "udp", endpoints: 3) with { ClusterIp = "10.43.0.22", Protocol = "udp" });
        Assert.Equal(["add chain ip t dispatch-tcp-2", "add chain ip t dispatch-udp-3"], lines.Where(l => l.StartsWith("add chain ip t dispatch-", StringComparison.Ordinal)));
        Assert.Contains("add element ip t service-ips { 10.43.0.20 . tcp . 80 : goto dispatch-tcp-2, 10.43.0.21 . tcp . 80 : goto dispatch-tcp-2, 10.43.0.22 . udp . 80 : goto dispatch-udp-3 }", lines);
        Assert.Contains("add rule ip t dispatch-udp-3 meta l4proto udp dnat to ip daddr . meta l4proto . th dport . numgen random mod 3 map @cluster-endpoints-udp", lines);
        Assert.Contains(lines, l => l.StartsWith("add element ip t cluster-endpoints-udp { 10.43.0.22 . udp . 80 . 0 : ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_service_without_endpoints_is_rejected_on_its_cluster_ip_and_node_port()
    {
        var lines = Lines(Port(endpoints: 0, nodePort: 30080));
        Assert.Contains("add element ip t no-endpoint-services { 10.43.0.20 . tcp . 80 : goto reject-chain }", lines);
        Assert.Contains("add element ip t no-endpoint-nodeports { tcp . 30080 : goto reject-chain }", lines);
        Assert.DoesNotContain(lines, l => l.Contains("service-ips {", StringComparison.Ordinal) && l.StartsWith("add element", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("chain ip t service-default", StringComparison.Ordinal));
    }

    [Fact]
    public void Client_ip_affinity_keeps_a_timed_set_per_endpoint_and_checks_it_before_the_random_pick()
    {
        var lines = Lines(Port(affinity: 600));
        Assert.Contains("add set ip t affinity-default/web/tcp/http__10.88.0.2/8080 { type ipv4_addr; flags dynamic,timeout; timeout 600s; }", lines);
        var service = lines.Where(l => l.StartsWith("add rule ip t service-default/web/tcp/http ", StringComparison.Ordinal)).Select(l => l["add rule ip t service-default/web/tcp/http ".Length..]).ToArray();
        Assert.Equal(
        [
            "ip daddr 10.43.0.20 tcp dport 80 ip saddr != 10.88.0.0/24 mark set mark or 0x4000",
            "ip saddr @affinity-default/web/tcp/http__10.88.0.2/8080 update @affinity-default/web/tcp/http__10.88.0.2/8080 { ip saddr } meta l4proto tcp dnat to 10.88.0.2:8080",
            "ip saddr @affinity-default/web/tcp/http__10.88.0.3/8080 update @affinity-default/web/tcp/http__10.88.0.3/8080 { ip saddr } meta l4proto tcp dnat to 10.88.0.3:8080",
            "numgen random mod 2 == 0 update @affinity-default/web/tcp/http__10.88.0.2/8080 { ip saddr } meta l4proto tcp dnat to 10.88.0.2:8080",
            "update @affinity-default/web/tcp/http__10.88.0.3/8080 { ip saddr } meta l4proto tcp dnat to 10.88.0.3:8080",
        ], service);
    }

    [Fact]
    public void Internal_traffic_policy_local_uses_only_this_nodes_endpoints_and_drops_without_one()
    {
        var lines = Lines(Port(internalLocal: true));
        Assert.Contains("add element ip t cluster-endpoints-tcp { 10.43.0.20 . tcp . 80 . 0 : 10.88.0.2 . 8080 }", lines);
        Assert.Contains("add element ip t service-ips { 10.43.0.20 . tcp . 80 : goto dispatch-tcp-1 }", lines);
        Assert.DoesNotContain(lines, l => l.Contains("10.88.0.3", StringComparison.Ordinal));

        var remote = Port(internalLocal: true) with { Endpoints = [new ProxiedEndpoint("10.88.1.2", 8080, true, true, false, Local: false)] };
        Assert.Contains("add element ip t no-endpoint-services { 10.43.0.20 . tcp . 80 : drop }", Lines(remote));
    }

    [Fact]
    public void External_traffic_policy_local_keeps_the_client_address_and_uses_local_endpoints()
    {
        var external = Lines(Port(nodePort: 30080, externalLocal: true)).Where(l => l.StartsWith("add rule ip t external-", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
        [
            "add rule ip t external-default/web/tcp/http fib saddr type local jump mark-for-masquerade",
            "add rule ip t external-default/web/tcp/http fib saddr type local goto service-default/web/tcp/http",
            "add rule ip t external-default/web/tcp/http ip saddr 10.88.0.0/24 goto service-default/web/tcp/http",
            "add rule ip t external-default/web/tcp/http meta l4proto tcp dnat to 10.88.0.2:8080",
        ], external);
    }

    [Fact]
    public void Not_ready_endpoints_are_skipped_and_terminating_serving_ones_are_the_fallback()
    {
        var port = Port() with
        {
            Endpoints = [new ProxiedEndpoint("10.88.0.2", 80, false, false, false, true), new ProxiedEndpoint("10.88.0.3", 80, false, true, true, true)],
        };
        var lines = Lines(port);
        Assert.DoesNotContain(lines, l => l.Contains("10.88.0.2", StringComparison.Ordinal));
        Assert.Contains("add element ip t cluster-endpoints-tcp { 10.43.0.20 . tcp . 80 . 0 : 10.88.0.3 . 80 }", lines);
    }

    [Fact]
    public void An_endpoint_change_rewrites_only_the_services_map_elements()
    {
        var before = ProxyRules.Build([Port(), Port(name: "other") with { ClusterIp = "10.43.0.21" }], Table, PodCidr);
        // One endpoint replaced: its element changes (10.88.0.3 stays in the hairpin set: the other Service has it).
        var replaced = ProxyRules.Build([Port() with { Endpoints = [Port().Endpoints[0], new ProxiedEndpoint("10.88.0.9", 8080, true, true, false, false)] }, Port(name: "other") with { ClusterIp = "10.43.0.21" }], Table, PodCidr);
        Assert.Equal(
        [
            "delete element ip t cluster-endpoints-tcp { 10.43.0.20 . tcp . 80 . 1 }",
            "add element ip t cluster-endpoints-tcp { 10.43.0.20 . tcp . 80 . 1 : 10.88.0.9 . 8080 }",
            "add element ip t hairpin-endpoints { 10.88.0.9 . 10.88.0.9 }",
        ], NftTransaction.Incremental(before, replaced).Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // One endpoint more: the Service moves to the dispatch chain of three, which comes; the one of two stays for
        // the other Service.
        var after = ProxyRules.Build([Port(endpoints: 3), Port(name: "other") with { ClusterIp = "10.43.0.21" }], Table, PodCidr);
        var lines = NftTransaction.Incremental(before, after).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
        [
            "add chain ip t dispatch-tcp-3",
            "delete element ip t service-ips { 10.43.0.20 . tcp . 80 }",
            "add rule ip t dispatch-tcp-3 ip saddr != 10.88.0.0/24 mark set mark or 0x4000",
            "add rule ip t dispatch-tcp-3 meta l4proto tcp dnat to ip daddr . meta l4proto . th dport . numgen random mod 3 map @cluster-endpoints-tcp",
            "add element ip t cluster-endpoints-tcp { 10.43.0.20 . tcp . 80 . 2 : 10.88.0.4 . 8080 }",
            "add element ip t service-ips { 10.43.0.20 . tcp . 80 : goto dispatch-tcp-3 }",
            "add element ip t hairpin-endpoints { 10.88.0.4 . 10.88.0.4 }",
        ], lines);
        Assert.Equal(string.Empty, NftTransaction.Incremental(after, after));

        // Endpoints gone: the elements move to the reject map (the old ones deleted first), and the dispatch chain
        // nobody uses any more goes last; the hairpin pairs of the other Service, with the same endpoints, stay.
        var empty = ProxyRules.Build([Port(endpoints: 0), Port(name: "other") with { ClusterIp = "10.43.0.21" }], Table, PodCidr);
        var removal = NftTransaction.Incremental(after, empty).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
        [
            "delete element ip t cluster-endpoints-tcp { 10.43.0.20 . tcp . 80 . 0, 10.43.0.20 . tcp . 80 . 1, 10.43.0.20 . tcp . 80 . 2 }",
            "delete element ip t service-ips { 10.43.0.20 . tcp . 80 }",
            "delete element ip t hairpin-endpoints { 10.88.0.4 . 10.88.0.4 }",
            "add element ip t no-endpoint-services { 10.43.0.20 . tcp . 80 : goto reject-chain }",
            "flush chain ip t dispatch-tcp-3",
            "delete chain ip t dispatch-tcp-3",
        ], removal);
    }

    [Fact]
    public void Pod_egress_outside_the_cluster_range_is_masqueraded_after_the_service_masquerading()
    {
        var lines = NftTransaction.Full(ProxyRules.Build([], Table, PodCidr, "10.42.0.0/16")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("add rule ip t pod-egress ip saddr 10.88.0.0/24 ip daddr != 10.88.0.0/24 ip daddr != 10.42.0.0/16 masquerade", lines);
        var postrouting = lines.Where(l => l.StartsWith("add rule ip t nat-postrouting ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["add rule ip t nat-postrouting jump masquerading", "add rule ip t nat-postrouting jump pod-egress"], postrouting);
        Assert.DoesNotContain(NftTransaction.Full(ProxyRules.Build([], Table, PodCidr)).Split('\n'), l => l.Contains("pod-egress", StringComparison.Ordinal));
    }
}
