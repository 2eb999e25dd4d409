using k8s.Models;
using Skiff.Networking.NetworkPolicy;
using Skiff.Networking.Proxy;
using static Skiff.Networking.Tests.NetworkPolicy.PolicyObjects;

namespace Skiff.Networking.Tests.NetworkPolicy;

/// <summary>The policy contribution rendered incrementally: always what a full render gives, rendering only the
/// policies a change concerns, and a proxy transaction that rewrites only their chains.</summary>
public sealed class IncrementalPolicyRulesTests
{
    private readonly List<V1Namespace> _namespaces = [Namespace("default"), Namespace("team", Labels("env", "prod"))];

    private readonly Dictionary<string, V1Pod> _pods = new(StringComparer.Ordinal)
    {
        ["a"] = Pod("a", "10.42.0.2", labels: new() { ["app"] = "web", ["role"] = "client" }, ports: new V1ContainerPort { Name = "metrics", ContainerPort = 9100 }),
        ["b"] = Pod("b", "10.42.0.3", labels: Labels("app", "db")),
        ["c"] = Pod("c", "10.42.2.4", node: "node-2", ns: "team", labels: Labels("role", "client")),
        ["remote"] = Pod("remote", "10.42.1.2", node: "node-2", labels: Labels("role", "client"), ports: new V1ContainerPort { Name = "metrics", ContainerPort = 9200 }),
    };

    private readonly Dictionary<string, V1NetworkPolicy> _policies = new(StringComparer.Ordinal)
    {
        ["web-in"] = WebIn(80),
        ["db-in"] = Policy("db-in", new V1NetworkPolicySpec
        {
            PodSelector = Select("app", "db"),
            Ingress = [new V1NetworkPolicyIngressRule { FromProperty = [new V1NetworkPolicyPeer { NamespaceSelector = Select("env", "prod") }] }],
        }),
        ["deny"] = Policy("deny", new V1NetworkPolicySpec { PodSelector = All, PolicyTypes = ["Ingress"] }),
        // Named port of an egress rule without peers: resolved on every pod, so every pod change concerns it.
        ["metrics-out"] = Policy("metrics-out", new V1NetworkPolicySpec
        {
            PodSelector = Select("app", "web"),
            PolicyTypes = ["Egress"],
            Egress = [new V1NetworkPolicyEgressRule { Ports = [new V1NetworkPolicyPort { Port = "metrics" }] }],
        }),
    };

    private readonly IncrementalPolicyRules _incremental = new("node-1");

    [Fact]
    public void Gives_what_a_full_render_gives_and_renders_only_the_policies_a_change_concerns()
    {
        Assert.Equal(4, Render());
        Assert.Equal(0, Render()); // nothing changed

        // A status-only update (a new object, nothing policies look at): nothing to render.
        _pods["b"] = Pod("b", "10.42.0.3", labels: Labels("app", "db"));
        _pods["b"].Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }];
        Assert.Equal(0, Render());

        // One policy edited.
        _policies["web-in"] = WebIn(81);
        Assert.Equal(1, Render());

        // A pod elsewhere stops being a client: web-in (its peer), deny (targets every pod of default) and
        // metrics-out (named port on every pod); not db-in (peers from env=prod only).
        _pods["remote"] = Pod("remote", "10.42.1.2", node: "node-2", labels: Labels("role", "none"), ports: new V1ContainerPort { Name = "metrics", ContainerPort = 9200 });
        Assert.Equal(3, Render());

        // A pod of team comes: a peer of db-in (team is env=prod), and metrics-out resolves its named port on every
        // pod; web-in (role=client in its own namespace only) and deny (targets of default) are not concerned.
        _pods["d"] = Pod("d", "10.42.2.5", node: "node-2", ns: "team", labels: Labels("role", "client"));
        Assert.Equal(2, Render());

        // Namespace labels: everything.
        _namespaces[0] = Namespace("default", Labels("env", "prod"));
        Assert.Equal(4, Render());

        // A policy deleted, one created; a pod deleted and its address reused by another.
        _policies.Remove("db-in");
        _policies["new"] = Policy("new", new V1NetworkPolicySpec { PodSelector = Select("app", "web"), PolicyTypes = ["Egress"] });
        Assert.Equal(1, Render());
        _pods.Remove("b");
        _pods["e"] = Pod("e", "10.42.0.3", labels: Labels("app", "web"));
        Assert.Equal(4, Render()); // web-in, deny, metrics-out and new all target e or b
    }

    [Fact]
    public void A_policy_edit_rewrites_only_its_chain_in_the_proxy_transaction()
    {
        var state = new ProxyTableState("t", "10.42.0.0/24");
        NftRuleset Base()
        {
            var rules = ProxyRules.NewTable("t", "10.42.0.0/24");
            _incremental.AddTo(rules, _policies.Values, _pods.Values, _namespaces);
            return rules;
        }

        var first = state.Prepare(_ => [], Base());
        Assert.True(first.Full);
        state.Applied(first);

        _policies["web-in"] = WebIn(81);
        var edit = state.Prepare(_ => [], Base());
        Assert.False(edit.Full);
        Assert.Equal(1, _incremental.LastRendered);
        string[] expected =
        [
            "flush chain ip t np-ingress-default/web-in",
            "add rule ip t np-ingress-default/web-in ip saddr { 10.42.0.2, 10.42.1.2 } tcp dport 81 mark set mark or 0x10000 return",
            "add rule ip t np-ingress-default/web-in ip saddr { 10.42.0.2, 10.42.1.2 } ip daddr . meta l4proto . th dport { 10.42.0.2 . tcp . 9100 } mark set mark or 0x10000 return",
        ];
        Assert.Equal(string.Join("\n", expected), edit.Text.TrimEnd());
        state.Applied(edit);

        // A new target pod: its pod chain and map element come; the policies it concerns are rendered again but
        // their chains came out the same, so nothing else is written.
        _pods["f"] = Pod("f", "10.42.0.7", labels: Labels("app", "db"));
        var pod = state.Prepare(_ => [], Base());
        string[] expectedPod =
        [
            "add chain ip t pod-ingress-10.42.0.7",
            "add rule ip t pod-ingress-10.42.0.7 jump np-ingress-default/db-in",
            "add rule ip t pod-ingress-10.42.0.7 jump np-ingress-default/deny",
            "add rule ip t pod-ingress-10.42.0.7 mark and 0x10000 == 0 drop",
            "add element ip t policy-ingress-pods { 10.42.0.7 : jump pod-ingress-10.42.0.7 }",
        ];
        Assert.Equal(string.Join("\n", expectedPod), pod.Text.TrimEnd());
    }

    /// <summary>Renders incrementally, checks the result against a full render, returns how many policies were rendered.</summary>
    private int Render()
    {
        var incremental = new NftRuleset("t");
        _incremental.AddTo(incremental, _policies.Values, _pods.Values, _namespaces);
        var full = new NftRuleset("t");
        PolicyRules.AddTo(full, _policies.Values, _pods.Values, _namespaces, "node-1");
        Assert.Equal(NftTransaction.Full(full), NftTransaction.Full(incremental));
        return _incremental.LastRendered;
    }

    private static V1NetworkPolicy WebIn(int port) => Policy("web-in", new V1NetworkPolicySpec
    {
        PodSelector = Select("app", "web"),
        Ingress =
        [
            new V1NetworkPolicyIngressRule
            {
                FromProperty = [new V1NetworkPolicyPeer { PodSelector = Select("role", "client") }],
                Ports = [new V1NetworkPolicyPort { Port = port }, new V1NetworkPolicyPort { Port = "metrics" }],
            },
        ],
    });
}
