using k8s.Models;
using Skiff.Networking.NetworkPolicy;
using Skiff.Networking.Proxy;
using static Skiff.Networking.Tests.NetworkPolicy.PolicyObjects;

namespace Skiff.Networking.Tests.NetworkPolicy;

/// <summary>Golden rule sets for NetworkPolicy shapes (the policy part of what <c>nft -f -</c> receives).</summary>
public sealed class PolicyRulesTests
{
    private static readonly V1Namespace[] Namespaces =
    [
        Namespace("default"),
        Namespace("team", Labels("env", "prod")),
        Namespace("other", Labels("env", "dev")),
    ];

    private static string[] Lines(IEnumerable<V1NetworkPolicy> policies, IEnumerable<V1Pod> pods, string node = "node-1")
    {
        var rules = new NftRuleset("t");
        PolicyRules.AddTo(rules, policies, pods, Namespaces, node);
        return NftTransaction.Full(rules).Split('\n', StringSplitOptions.RemoveEmptyEntries)[3..];
    }

    private static string[] ChainRules(string[] lines, string chain) =>
        [.. lines.Where(l => l.StartsWith($"add rule ip t {chain} ", StringComparison.Ordinal)).Select(l => l[$"add rule ip t {chain} ".Length..])];

    [Fact]
    public void Default_deny_ingress_gives_each_local_pod_a_chain_that_drops_what_no_policy_allowed()
    {
        var lines = Lines(
            [Policy("deny", new V1NetworkPolicySpec { PodSelector = All, PolicyTypes = ["Ingress"] })],
            [Pod("a", "10.42.0.2"), Pod("b", "10.42.0.3"), Pod("remote", "10.42.1.2", node: "node-2"), Pod("elsewhere", "10.42.0.9", ns: "team")]);
        string[] expected =
        [
            "add chain ip t filter-forward",
            "add chain ip t filter-input",
            "add chain ip t np-ingress-default/deny",
            "add chain ip t pod-ingress-10.42.0.2",
            "add chain ip t pod-ingress-10.42.0.3",
            "add chain ip t policy-forward",
            "add chain ip t policy-input",
            "add map ip t policy-egress-pods { type ipv4_addr : verdict; }",
            "add map ip t policy-ingress-pods { type ipv4_addr : verdict; }",
            "add rule ip t filter-forward jump policy-forward",
            "add rule ip t filter-input jump policy-input",
            "add rule ip t pod-ingress-10.42.0.2 jump np-ingress-default/deny",
            "add rule ip t pod-ingress-10.42.0.2 mark and 0x10000 == 0 drop",
            "add rule ip t pod-ingress-10.42.0.3 jump np-ingress-default/deny",
            "add rule ip t pod-ingress-10.42.0.3 mark and 0x10000 == 0 drop",
            "add rule ip t policy-forward ct state established,related accept",
            "add rule ip t policy-forward mark set mark and 0xfffcffff",
            "add rule ip t policy-forward ip saddr vmap @policy-egress-pods",
            "add rule ip t policy-forward ip daddr vmap @policy-ingress-pods",
            "add rule ip t policy-input ct state established,related accept",
            "add rule ip t policy-input mark set mark and 0xfffcffff",
            "add rule ip t policy-input ip saddr vmap @policy-egress-pods",
            "add element ip t policy-ingress-pods { 10.42.0.2 : jump pod-ingress-10.42.0.2, 10.42.0.3 : jump pod-ingress-10.42.0.3 }",
        ];
        Assert.Equal(expected, lines);
    }

    [Fact]
    public void Without_policies_nothing_is_isolated()
    {
        var lines = Lines([], [Pod("a", "10.42.0.2")]);
        Assert.DoesNotContain(lines, l => l.Contains("pod-ingress-", StringComparison.Ordinal) || l.Contains("pod-egress-", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("add element", StringComparison.Ordinal));
    }

    [Fact]
    public void Ingress_peers_by_pod_selector_namespace_selector_both_and_ip_block_with_numbered_named_and_ranged_ports()
    {
        var web = Pod("web", "10.42.0.2", labels: Labels("app", "web"), ports: new V1ContainerPort { Name = "http", ContainerPort = 8080, Protocol = "TCP" });
        var web2 = Pod("web2", "10.42.0.4", labels: Labels("app", "web"), ports: new V1ContainerPort { Name = "http", ContainerPort = 9090 });
        var pods = new[]
        {
            web, web2,
            Pod("client", "10.42.0.3", labels: Labels("role", "client")),
            Pod("stranger", "10.42.0.5", labels: Labels("role", "other")),
            Pod("prod-client", "10.42.1.3", node: "node-2", ns: "team", labels: Labels("role", "client")),
            Pod("prod-any", "10.42.1.4", node: "node-2", ns: "team", labels: Labels("role", "batch")),
            Pod("dev-client", "10.42.1.5", node: "node-2", ns: "other", labels: Labels("role", "client")),
        };
        var spec = new V1NetworkPolicySpec
        {
            PodSelector = Select("app", "web"),
            PolicyTypes = ["Ingress"],
            Ingress =
            [
                // podSelector alone: this namespace; namespaceSelector alone: every pod there; both: AND.
                new V1NetworkPolicyIngressRule
                {
                    FromProperty =
                    [
                        new V1NetworkPolicyPeer { PodSelector = Select("role", "client") },
                        new V1NetworkPolicyPeer { NamespaceSelector = Select("env", "prod") },
                    ],
                    Ports = [new V1NetworkPolicyPort { Port = "http" }, new V1NetworkPolicyPort { Port = 80 }],
                },
                new V1NetworkPolicyIngressRule
                {
                    FromProperty = [new V1NetworkPolicyPeer { NamespaceSelector = All, PodSelector = Select("role", "client") }],
                    Ports = [new V1NetworkPolicyPort { Protocol = "UDP", Port = 5000, EndPort = 5010 }, new V1NetworkPolicyPort { Protocol = "UDP", Port = 53 }],
                },
                new V1NetworkPolicyIngressRule
                {
                    FromProperty = [new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "192.168.0.0/16", Except = ["192.168.1.0/24", "192.168.3.0/24"] } }],
                },
            ],
        };
        var lines = Lines([Policy("web", spec)], pods);
        string[] expected =
        [
            "ip saddr { 10.42.0.3, 10.42.1.3-10.42.1.4 } tcp dport 80 mark set mark or 0x10000 return",
            "ip saddr { 10.42.0.3, 10.42.1.3-10.42.1.4 } ip daddr . meta l4proto . th dport { 10.42.0.2 . tcp . 8080, 10.42.0.4 . tcp . 9090 } mark set mark or 0x10000 return",
            "ip saddr { 10.42.0.3, 10.42.1.3, 10.42.1.5 } udp dport { 5000-5010, 53 } mark set mark or 0x10000 return",
            "ip saddr { 192.168.0.0/24, 192.168.2.0/24, 192.168.4.0-192.168.255.255 } mark set mark or 0x10000 return",
        ];
        Assert.Equal(expected, ChainRules(lines, "np-ingress-default/web"));
        Assert.Contains("add element ip t policy-ingress-pods { 10.42.0.2 : jump pod-ingress-10.42.0.2, 10.42.0.4 : jump pod-ingress-10.42.0.4 }", lines);
        Assert.DoesNotContain(lines, l => l.Contains("pod-egress-", StringComparison.Ordinal));
    }

    [Fact]
    public void Egress_allows_dns_on_port_53_and_an_ip_block_and_the_union_of_two_policies()
    {
        var pods = new[]
        {
            Pod("app", "10.42.0.2", labels: Labels("app", "api")),
            Pod("db", "10.42.1.7", node: "node-2", labels: Labels("app", "db"), ports: new V1ContainerPort { Name = "pg", ContainerPort = 5432 }),
        };
        var dns = Policy("dns", new V1NetworkPolicySpec
        {
            PodSelector = All,
            PolicyTypes = ["Egress"],
            Egress = [new V1NetworkPolicyEgressRule { Ports = [new V1NetworkPolicyPort { Protocol = "UDP", Port = 53 }, new V1NetworkPolicyPort { Protocol = "TCP", Port = 53 }] }],
        });
        var db = Policy("to-db", new V1NetworkPolicySpec
        {
            PodSelector = Select("app", "api"),
            PolicyTypes = ["Egress"],
            Egress =
            [
                new V1NetworkPolicyEgressRule { To = [new V1NetworkPolicyPeer { PodSelector = Select("app", "db") }], Ports = [new V1NetworkPolicyPort { Port = "pg" }] },
                new V1NetworkPolicyEgressRule { To = [new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "10.0.0.0/8", Except = ["10.42.0.0/16"] } }] },
            ],
        });
        var lines = Lines([dns, db], pods);
        Assert.Equal(["tcp dport 53 mark set mark or 0x20000 return", "udp dport 53 mark set mark or 0x20000 return"], ChainRules(lines, "np-egress-default/dns"));
        Assert.Equal(
        [
            "ip daddr 10.42.1.7 ip daddr . meta l4proto . th dport { 10.42.1.7 . tcp . 5432 } mark set mark or 0x20000 return",
            "ip daddr { 10.0.0.0-10.41.255.255, 10.43.0.0-10.255.255.255 } mark set mark or 0x20000 return",
        ], ChainRules(lines, "np-egress-default/to-db"));
        // Both policies select the local pod: it may do what either allows; only local pods get a chain.
        Assert.Equal(["jump np-egress-default/dns", "jump np-egress-default/to-db", "mark and 0x20000 == 0 drop"], ChainRules(lines, "pod-egress-10.42.0.2"));
        Assert.Contains("add element ip t policy-egress-pods { 10.42.0.2 : jump pod-egress-10.42.0.2 }", lines);
        Assert.DoesNotContain(lines, l => l.Contains("pod-ingress-", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rule_whose_selectors_match_no_pod_allows_nothing_and_an_empty_rule_allows_everything()
    {
        var pods = new[] { Pod("a", "10.42.0.2") };
        var lines = Lines(
            [
                Policy("none", new V1NetworkPolicySpec
                {
                    PodSelector = All,
                    PolicyTypes = ["Ingress", "Egress"],
                    Ingress = [new V1NetworkPolicyIngressRule { FromProperty = [new V1NetworkPolicyPeer { PodSelector = Select("app", "ghost") }] }],
                    Egress = [new V1NetworkPolicyEgressRule()],
                }),
            ],
            pods);
        Assert.Empty(ChainRules(lines, "np-ingress-default/none"));
        Assert.Equal(["mark set mark or 0x20000 return"], ChainRules(lines, "np-egress-default/none"));
    }

    [Fact]
    public void Policy_types_default_to_ingress_plus_egress_when_egress_rules_are_given()
    {
        var lines = Lines(
            [Policy("implicit", new V1NetworkPolicySpec { PodSelector = All, Egress = [new V1NetworkPolicyEgressRule()] })],
            [Pod("a", "10.42.0.2")]);
        Assert.Contains("add chain ip t pod-ingress-10.42.0.2", lines);
        Assert.Contains("add chain ip t pod-egress-10.42.0.2", lines);
    }

    [Fact]
    public void Host_network_finished_and_address_less_pods_are_neither_targets_nor_peers()
    {
        var host = Pod("host", "10.0.0.1");
        host.Spec.HostNetwork = true;
        var done = Pod("done", "10.42.0.7");
        done.Status.Phase = "Succeeded";
        var pending = Pod("pending", null!);
        var lines = Lines(
            [Policy("p", new V1NetworkPolicySpec { PodSelector = All, PolicyTypes = ["Ingress"], Ingress = [new V1NetworkPolicyIngressRule { FromProperty = [new V1NetworkPolicyPeer { PodSelector = All }] }] })],
            [host, done, pending, Pod("a", "10.42.0.2")]);
        Assert.Equal(["ip saddr 10.42.0.2 mark set mark or 0x10000 return"], ChainRules(lines, "np-ingress-default/p"));
        Assert.Contains("add element ip t policy-ingress-pods { 10.42.0.2 : jump pod-ingress-10.42.0.2 }", lines);
    }
}
