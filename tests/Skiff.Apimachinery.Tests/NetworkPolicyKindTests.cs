using k8s.Models;
using Skiff.Apimachinery;
using Skiff.Apimachinery.Strategies.Networking;

namespace Skiff.Apimachinery.Tests;

/// <summary>networking.k8s.io/v1 NetworkPolicy: upstream's defaults, validation messages and printer.</summary>
public sealed class NetworkPolicyKindTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 11, 0, 0, TimeSpan.Zero);

    private static V1NetworkPolicy Policy(V1NetworkPolicySpec spec) =>
        new() { Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" }, Spec = spec };

    private static IReadOnlyList<string> Errors(V1NetworkPolicySpec spec)
    {
        var policy = Policy(spec);
        var strategy = new NetworkPolicyStrategy();
        strategy.PrepareForCreate(policy, Now);
        return strategy.ValidateCreate(policy).Select(e => e.ToString()).ToList();
    }

    private static V1NetworkPolicySpec Ingress(params V1NetworkPolicyIngressRule[] rules) =>
        new() { PodSelector = new V1LabelSelector(), Ingress = rules };

    [Fact]
    public void Policy_types_default_to_ingress_plus_egress_when_egress_rules_are_given_and_protocols_to_tcp()
    {
        var strategy = new NetworkPolicyStrategy();
        var ingressOnly = Policy(Ingress(new V1NetworkPolicyIngressRule { Ports = [new V1NetworkPolicyPort { Port = 80 }] }));
        strategy.PrepareForCreate(ingressOnly, Now);
        Assert.Equal(["Ingress"], ingressOnly.Spec.PolicyTypes);
        Assert.Equal("TCP", ingressOnly.Spec.Ingress[0].Ports[0].Protocol);

        var both = Policy(new V1NetworkPolicySpec
        {
            PodSelector = new V1LabelSelector(),
            Egress = [new V1NetworkPolicyEgressRule { Ports = [new V1NetworkPolicyPort { Protocol = "UDP", Port = 53 }] }],
        });
        strategy.PrepareForCreate(both, Now);
        Assert.Equal(["Ingress", "Egress"], both.Spec.PolicyTypes);
        Assert.Equal("UDP", both.Spec.Egress[0].Ports[0].Protocol);

        var explicitEgress = Policy(new V1NetworkPolicySpec { PodSelector = new V1LabelSelector(), PolicyTypes = ["Egress"] });
        strategy.PrepareForCreate(explicitEgress, Now);
        Assert.Equal(["Egress"], explicitEgress.Spec.PolicyTypes);
        Assert.Equal(1, explicitEgress.Metadata.Generation);
    }

    [Fact]
    public void Valid_policies_have_no_errors()
    {
        Assert.Empty(Errors(Ingress()));
        Assert.Empty(Errors(Ingress(new V1NetworkPolicyIngressRule
        {
            Ports = [new V1NetworkPolicyPort { Port = 8000, EndPort = 9000 }, new V1NetworkPolicyPort { Port = "http" }, new V1NetworkPolicyPort { Protocol = "SCTP" }],
            FromProperty =
            [
                new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector(), NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["team"] = "a" } } },
                new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "10.0.0.0/8", Except = ["10.1.0.0/16", "10.2.3.4/32"] } },
            ],
        })));
    }

    [Fact]
    public void Ports_get_upstream_messages()
    {
        IReadOnlyList<string> PortErrors(V1NetworkPolicyPort port) => Errors(Ingress(new V1NetworkPolicyIngressRule { Ports = [port] }));

        Assert.Contains("spec.ingress[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\"", PortErrors(new() { Protocol = "ICMP", Port = 1 }));
        Assert.Contains("spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive", PortErrors(new() { Port = 70000 }));
        Assert.Contains("spec.ingress[0].ports[0].endPort: Invalid value: 90: must be greater than or equal to `port`", PortErrors(new() { Port = 90, EndPort = 80 }));
        Assert.Contains("spec.ingress[0].ports[0].endPort: Invalid value: 70000: must be between 1 and 65535, inclusive", PortErrors(new() { Port = 90, EndPort = 70000 }));
        Assert.Contains("spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric", PortErrors(new() { Port = "http", EndPort = 90 }));
        Assert.Contains("spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is not specified", PortErrors(new() { EndPort = 90 }));
        Assert.Contains("spec.ingress[0].ports[0].port: Invalid value: \"Http_Port\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)", PortErrors(new() { Port = "Http_Port" }));
    }

    [Fact]
    public void Peers_and_ip_blocks_get_upstream_messages()
    {
        IReadOnlyList<string> PeerErrors(V1NetworkPolicyPeer peer) =>
            Errors(new V1NetworkPolicySpec { PodSelector = new V1LabelSelector(), Egress = [new V1NetworkPolicyEgressRule { To = [peer] }] });

        Assert.Contains("spec.egress[0].to[0]: Required value: must specify a peer", PeerErrors(new()));
        Assert.Contains(
            "spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer",
            PeerErrors(new() { PodSelector = new V1LabelSelector(), IpBlock = new V1IPBlock { Cidr = "10.0.0.0/8" } }));
        Assert.Contains("spec.egress[0].to[0].ipBlock.cidr: Required value", PeerErrors(new() { IpBlock = new V1IPBlock { Cidr = "" } }));
        Assert.Contains("spec.egress[0].to[0].ipBlock.cidr: Invalid value: \"10.0.0/8\": invalid CIDR address: 10.0.0/8", PeerErrors(new() { IpBlock = new V1IPBlock { Cidr = "10.0.0/8" } }));
        Assert.Contains(
            "spec.egress[0].to[0].ipBlock.except[0]: Invalid value: \"192.168.0.0/24\": must be a strict subset of `cidr`",
            PeerErrors(new() { IpBlock = new V1IPBlock { Cidr = "10.0.0.0/8", Except = ["192.168.0.0/24"] } }));
        Assert.Contains(
            "spec.egress[0].to[0].ipBlock.except[0]: Invalid value: \"10.0.0.0/8\": must be a strict subset of `cidr`",
            PeerErrors(new() { IpBlock = new V1IPBlock { Cidr = "10.0.0.0/8", Except = ["10.0.0.0/8"] } }));
        Assert.Contains(
            "spec.egress[0].to[0].ipBlock.except[0]: Invalid value: \"nope\": must be a valid CIDR",
            PeerErrors(new() { IpBlock = new V1IPBlock { Cidr = "10.0.0.0/8", Except = ["nope"] } }));
        Assert.Contains(
            "spec.egress[0].to[0].podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
            PeerErrors(new() { PodSelector = new V1LabelSelector { MatchExpressions = [new V1LabelSelectorRequirement { Key = "app", OperatorProperty = "In" }] } }));
    }

    [Fact]
    public void Policy_types_are_ingress_or_egress()
    {
        Assert.Contains(
            "spec.policyTypes[0]: Unsupported value: \"Sideways\": supported values: \"Ingress\", \"Egress\"",
            Errors(new V1NetworkPolicySpec { PodSelector = new V1LabelSelector(), PolicyTypes = ["Sideways"] }));
    }

    [Fact]
    public void The_printer_shows_the_pod_selector_or_none()
    {
        var strategy = new NetworkPolicyStrategy();
        Assert.Equal(["Name", "Pod-Selector", "Age"], strategy.Columns.Select(c => c.Name));
        var policy = Policy(new V1NetworkPolicySpec { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } } });
        policy.Metadata.CreationTimestamp = Now.UtcDateTime.AddMinutes(-5);
        Assert.Equal(["web", "app=web", "5m"], ((IResourceStrategy)strategy).Cells(policy, Now));
        policy.Spec.PodSelector = new V1LabelSelector();
        Assert.Equal("<none>", ((IResourceStrategy)strategy).Cells(policy, Now)[1]);
    }
}
