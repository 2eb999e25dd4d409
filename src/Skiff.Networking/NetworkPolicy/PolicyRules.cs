using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using Skiff.Api.Selection;
using Skiff.Networking.Proxy;

namespace Skiff.Networking.NetworkPolicy;

/// <summary>
/// NetworkPolicy as nftables chains in the node's one table (the service proxy's), laid out as kube-router does
/// with iptables: the forward hook (pod-to-pod through the bridge via br_netfilter, and pods of other nodes routed in)
/// jumps to <c>policy-forward</c>, which accepts replies of established connections and dispatches new ones by
/// source address (<c>policy-egress-pods</c>) and destination address (<c>policy-ingress-pods</c>) to a chain per
/// local pod that some policy selects for that direction; the input hook (pods to their own node) dispatches by source
/// address the same way. A pod chain jumps to the chain of each policy selecting
/// it; a policy chain marks what one of its rules allows; the pod chain drops what no policy marked (default deny).
/// Peers are sets of addresses (pods by pod and namespace selectors, ipBlocks minus their excepts), ports are
/// numbered, ranged (endPort) or named (resolved to each target pod's container port). Traffic from the node itself
/// (kubelet probes) never crosses the forward hook and is allowed, as upstream requires. The proxy DNATs before this
/// hook, so policies see the real endpoint.
/// </summary>
public static class PolicyRules
{
    public const string IngressMark = "0x10000";
    public const string EgressMark = "0x20000";
    public const string ForwardChain = "policy-forward";
    public const string InputChain = "policy-input";
    public const string IngressPods = "policy-ingress-pods";
    public const string EgressPods = "policy-egress-pods";

    private static readonly string ClearMarks = $"mark set mark and 0x{~(0x10000u | 0x20000u):x8}";

    // Chain names are nft identifiers of at most 256 bytes; long policy names are hashed.
    private const int MaxChainName = 200;

    /// <summary>Adds the policy chains for the pods of <paramref name="nodeName"/> to <paramref name="rules"/>, whose
    /// <c>filter-forward</c> and <c>filter-input</c> base chains get the jumps to <see cref="ForwardChain"/> and
    /// <see cref="InputChain"/> as their last rules. Renders every policy; <see cref="IncrementalPolicyRules"/>
    /// renders only those a change concerns, to the same result.</summary>
    public static void AddTo(NftRuleset rules, IEnumerable<V1NetworkPolicy> policies, IEnumerable<V1Pod> pods, IEnumerable<V1Namespace> namespaces, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(namespaces);
        var world = new PolicyWorld(pods, namespaces);
        AddSkeleton(rules);
        Assemble(rules, Ordered(policies).Select(p => Render(p, world, nodeName)));
    }

    /// <summary>The policies in the order their chains are jumped to: by namespace, then name.</summary>
    internal static IEnumerable<V1NetworkPolicy> Ordered(IEnumerable<V1NetworkPolicy> policies) =>
        policies.OrderBy(p => p.Metadata?.NamespaceProperty, StringComparer.Ordinal).ThenBy(p => p.Metadata?.Name, StringComparer.Ordinal);

    /// <summary>The chains every node has, whatever the policies: the hooks' jumps, the dispatch chains and maps.</summary>
    internal static void AddSkeleton(NftRuleset rules)
    {
        rules.Chain("filter-forward").Add("jump " + ForwardChain);
        rules.Chain("filter-input").Add("jump " + InputChain);
        rules.Chain(ForwardChain).AddRange([
            "ct state established,related accept",
            ClearMarks,
            $"ip saddr vmap @{EgressPods}",
            $"ip daddr vmap @{IngressPods}",
        ]);
        // A pod's traffic to its own node (node-local DNS, the API server on the node's address, NodePorts) is
        // egress too, as kube-router (its INPUT chain) and Calico (workload-to-host) judge it.
        rules.Chain(InputChain).AddRange([
            "ct state established,related accept",
            ClearMarks,
            $"ip saddr vmap @{EgressPods}",
        ]);
        rules.AddMap(IngressPods, "ipv4_addr : verdict");
        rules.AddMap(EgressPods, "ipv4_addr : verdict");
    }

    /// <summary>One policy's chains and the addresses of its target pods on <paramref name="nodeName"/> (none: the
    /// policy adds nothing to this node).</summary>
    internal static PolicyRender Render(V1NetworkPolicy policy, PolicyWorld world, string nodeName)
    {
        var ns = policy.Metadata?.NamespaceProperty ?? "default";
        var spec = policy.Spec ?? new V1NetworkPolicySpec();
        var targets = world.InNamespace(ns)
            .Where(p => p.NodeName == nodeName && LabelSelectors.Matches(spec.PodSelector ?? new V1LabelSelector(), p.Labels))
            .ToList();
        if (targets.Count == 0)
        {
            return PolicyRender.Nothing;
        }

        var types = spec.PolicyTypes is { Count: > 0 } given
            ? given
            : spec.Egress is { Count: > 0 } ? ["Ingress", "Egress"] : ["Ingress"];
        return new PolicyRender(
            [.. targets.Select(t => t.Ip)],
            types.Contains("Ingress") ? (ChainName("np-ingress-", ns, policy.Metadata?.Name), [.. IngressRules(spec, ns, targets, world)]) : null,
            types.Contains("Egress") ? (ChainName("np-egress-", ns, policy.Metadata?.Name), [.. EgressRules(spec, ns, world)]) : null);
    }

    /// <summary>Puts the policies' chains (the same list objects: unchanged ones cost nothing to diff) and a chain
    /// per isolated pod, with its elements of the dispatch maps, into <paramref name="rules"/>.</summary>
    internal static void Assemble(NftRuleset rules, IEnumerable<PolicyRender> renders)
    {
        var ingressOf = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var egressOf = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var render in renders)
        {
            Place(rules, render.Ingress, render.Targets, ingressOf);
            Place(rules, render.Egress, render.Targets, egressOf);
        }

        AddPodChains(rules, ingressOf, "pod-ingress-", IngressPods, IngressMark);
        AddPodChains(rules, egressOf, "pod-egress-", EgressPods, EgressMark);
    }

    /// <summary>Whether <paramref name="pod"/> can change what <paramref name="policy"/> renders: it may be one of
    /// its targets or peers, or the policy resolves a named port of an egress rule without peers on every pod. The
    /// node is not looked at (a pod that moves nodes is a new pod).</summary>
    internal static bool Concerns(V1NetworkPolicy policy, PolicyPod pod, PolicyWorld world)
    {
        var ns = policy.Metadata?.NamespaceProperty ?? "default";
        var spec = policy.Spec ?? new V1NetworkPolicySpec();
        if (pod.Namespace == ns && LabelSelectors.Matches(spec.PodSelector ?? new V1LabelSelector(), pod.Labels))
        {
            return true;
        }

        bool IsPeer(IList<V1NetworkPolicyPeer>? peers) => (peers ?? []).Any(peer =>
            (peer.PodSelector is not null || peer.NamespaceSelector is not null)
            && (peer.NamespaceSelector is null ? pod.Namespace == ns : LabelSelectors.Matches(peer.NamespaceSelector, world.NamespaceLabels(pod.Namespace)))
            && (peer.PodSelector is null || LabelSelectors.Matches(peer.PodSelector, pod.Labels)));

        return (spec.Ingress ?? []).Any(r => IsPeer(r.FromProperty))
            || (spec.Egress ?? []).Any(r => IsPeer(r.To)
                || (r.To is not { Count: > 0 } && (r.Ports ?? []).Any(p => p.Port is { } port && !int.TryParse(port.Value, NumberStyles.None, CultureInfo.InvariantCulture, out _))));
    }

    private static void Place(NftRuleset rules, (string Chain, List<string> Rules)? chain, IReadOnlyList<string> targets, SortedDictionary<string, List<string>> chainsOf)
    {
        if (chain is not { } given)
        {
            return;
        }

        var (name, body) = given;

        rules.Chains[name] = body;
        foreach (var target in targets)
        {
            Add(chainsOf, target, name);
        }
    }

    private static void AddPodChains(NftRuleset rules, SortedDictionary<string, List<string>> chainsOf, string prefix, string map, string mark)
    {
        foreach (var (ip, policyChains) in chainsOf)
        {
            var chain = prefix + ip;
            var body = rules.Chain(chain);
            body.AddRange(policyChains.Select(c => "jump " + c));
            body.Add($"mark and {mark} == 0 drop");
            rules.Maps[map].Elements[ip] = "jump " + chain;
        }
    }

    private static IEnumerable<string> IngressRules(V1NetworkPolicySpec spec, string ns, List<PolicyPod> targets, PolicyWorld world)
    {
        foreach (var rule in spec.Ingress ?? [])
        {
            var peers = Peers(rule.FromProperty, ns, world, out _);
            if (peers is { IsEmpty: true })
            {
                continue;
            }

            var from = peers is null ? string.Empty : peers.Match("ip saddr") + " ";
            foreach (var port in PortMatches(rule.Ports, targets))
            {
                yield return $"{from}{port}mark set mark or {IngressMark} return";
            }
        }
    }

    private static IEnumerable<string> EgressRules(V1NetworkPolicySpec spec, string ns, PolicyWorld world)
    {
        foreach (var rule in spec.Egress ?? [])
        {
            var peers = Peers(rule.To, ns, world, out var peerPods);
            if (peers is { IsEmpty: true })
            {
                continue;
            }

            // Named ports of an egress rule are the destination pods' ports: those the rule's selectors pick, or
            // every pod when the rule names no peer.
            var to = peers is null ? string.Empty : peers.Match("ip daddr") + " ";
            foreach (var port in PortMatches(rule.Ports, peers is null ? world.All : peerPods))
            {
                yield return $"{to}{port}mark set mark or {EgressMark} return";
            }
        }
    }

    /// <summary>The addresses of a rule's peers; null when the rule lists none (every address).</summary>
    private static AddressRanges? Peers(IList<V1NetworkPolicyPeer>? peers, string ns, PolicyWorld world, out List<PolicyPod> peerPods)
    {
        peerPods = [];
        if (peers is not { Count: > 0 })
        {
            return null;
        }

        var ranges = new AddressRanges();
        foreach (var peer in peers)
        {
            if (peer.IpBlock is { } block)
            {
                ranges.AddBlock(block.Cidr, block.Except);
                continue;
            }

            if (peer.PodSelector is null && peer.NamespaceSelector is null)
            {
                continue;
            }

            var candidates = peer.NamespaceSelector is null
                ? world.InNamespace(ns)
                : world.All.Where(p => LabelSelectors.Matches(peer.NamespaceSelector, world.NamespaceLabels(p.Namespace)));
            foreach (var pod in candidates.Where(p => peer.PodSelector is null || LabelSelectors.Matches(peer.PodSelector, p.Labels)))
            {
                ranges.AddAddress(pod.Ip);
                peerPods.Add(pod);
            }
        }

        return ranges;
    }

    /// <summary>The port matches of a rule, each ending in a space; one empty match when the rule lists no port.
    /// Numbered ports and ranges are grouped per protocol; named ports become (pod address, protocol, port) sets.</summary>
    private static List<string> PortMatches(IList<V1NetworkPolicyPort>? ports, IEnumerable<PolicyPod> namedPortPods)
    {
        if (ports is not { Count: > 0 })
        {
            return [string.Empty];
        }

        var matches = new List<string>();
        var numbered = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var anyPort = new SortedSet<string>(StringComparer.Ordinal);
        var named = new SortedSet<string>(StringComparer.Ordinal);
        List<PolicyPod>? podList = null;
        foreach (var port in ports)
        {
            var protocol = (port.Protocol ?? "TCP").ToLowerInvariant();
            if (port.Port is null)
            {
                anyPort.Add(protocol);
            }
            else if (int.TryParse(port.Port.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                if (!numbered.TryGetValue(protocol, out var list))
                {
                    list = [];
                    numbered[protocol] = list;
                }

                var text = port.EndPort is { } end && end > number ? $"{Num(number)}-{Num(end)}" : Num(number);
                if (!list.Contains(text))
                {
                    list.Add(text);
                }
            }
            else
            {
                podList ??= [.. namedPortPods];
                foreach (var pod in podList)
                {
                    if (pod.NamedPort(port.Port.Value, protocol) is { } resolved)
                    {
                        named.Add($"{pod.Ip} . {protocol} . {Num(resolved)}");
                    }
                }
            }
        }

        foreach (var protocol in anyPort)
        {
            matches.Add($"meta l4proto {protocol} ");
        }

        foreach (var (protocol, list) in numbered.Where(n => !anyPort.Contains(n.Key)))
        {
            matches.Add(list.Count == 1 ? $"{protocol} dport {list[0]} " : $"{protocol} dport {{ {string.Join(", ", list)} }} ");
        }

        if (named.Count > 0)
        {
            matches.Add($"ip daddr . meta l4proto . th dport {{ {string.Join(", ", named)} }} ");
        }

        return matches;
    }

    private static void Add(SortedDictionary<string, List<string>> chainsOf, string ip, string chain)
    {
        if (!chainsOf.TryGetValue(ip, out var list))
        {
            list = [];
            chainsOf[ip] = list;
        }

        list.Add(chain);
    }

    private static string ChainName(string prefix, string ns, string? name)
    {
        var full = $"{prefix}{ns}/{name}";
        if (full.Length <= MaxChainName)
        {
            return full;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{ns}/{name}")))[..16];
        return $"{prefix}{ns[..Math.Min(ns.Length, 63)]}/{hash}";
    }

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}
