using System.Globalization;

namespace Skiff.Networking.Proxy;

/// <summary>
/// Builds the proxy's table as kube-proxy's nftables mode lays it out (pkg/proxy/nftables): the <c>services</c>
/// chain dispatches with one lookup in the <c>service-ips</c> and <c>service-nodeports</c> verdict maps to a chain
/// per service port, which marks for masquerade what comes from outside the node's pod range, keeps ClientIP
/// affinity in a timed set per endpoint, and picks an endpoint with <c>numgen random mod N</c>; each endpoint chain
/// masquerades hairpin traffic and DNATs. Service ports without endpoints are in <c>no-endpoint-services</c> /
/// <c>no-endpoint-nodeports</c>, checked in the filter hooks before NAT, and rejected (connection refused).
/// </summary>
public static class ProxyRules
{
    public const string MasqueradeMark = "0x4000";

    /// <summary>The key of the per-chain endpoint maps: numgen's 32-bit integer (the modulus is not part of the type).</summary>
    public const string LoadBalancingMapType = "typeof numgen random mod 1 : verdict";

    /// <param name="ports">The service ports to program.</param>
    /// <param name="table">The table's name (family <c>ip</c>).</param>
    /// <param name="localPodCidr">This node's pod range: traffic from elsewhere to a ClusterIP is masqueraded (upstream's
    /// detect-local by node CIDR); null masquerades everything.</param>
    /// <param name="clusterCidr">The pods' range of the whole cluster: traffic from this node's pods to anywhere
    /// outside it (and outside <paramref name="localPodCidr"/>) is masqueraded to the node's address, as flannel's
    /// ip-masq rules do; pod-to-pod traffic keeps its source. Null: no such rule.</param>
    public static NftRuleset Build(IEnumerable<ProxiedPort> ports, string table, string? localPodCidr, string? clusterCidr = null)
    {
        ArgumentNullException.ThrowIfNull(ports);
        var rules = new NftRuleset(table);
        AddSkeleton(rules);
        if (localPodCidr is not null && clusterCidr is not null)
        {
            // After the service masquerading (which returns for unmarked packets): a chain of the same table, so the
            // node keeps one owner of its nftables state.
            rules.Chain("nat-postrouting").Add("jump pod-egress");
            rules.Chain("pod-egress").Add($"ip saddr {localPodCidr} ip daddr != {localPodCidr} ip daddr != {clusterCidr} masquerade");
        }

        foreach (var port in ports.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            AddPort(rules, port, localPodCidr);
        }

        return rules;
    }

    private static void AddSkeleton(NftRuleset rules)
    {
        void Base(string name, string hook, params string[] body)
        {
            rules.Hooks[name] = hook;
            rules.Chain(name).AddRange(body);
        }

        Base("nat-prerouting", "type nat hook prerouting priority dstnat; policy accept;", "jump services");
        Base("nat-output", "type nat hook output priority -100; policy accept;", "jump services");
        Base("nat-postrouting", "type nat hook postrouting priority srcnat; policy accept;", "jump masquerading");
        Base("filter-input", "type filter hook input priority -110; policy accept;",
            "ct state new jump nodeport-endpoints-check", "ct state new jump service-endpoints-check");
        Base("filter-forward", "type filter hook forward priority -110; policy accept;", "ct state new jump service-endpoints-check");
        Base("filter-output", "type filter hook output priority -110; policy accept;",
            "ct state new jump service-endpoints-check", "ct state new jump nodeport-endpoints-check");

        rules.Chain("mark-for-masquerade").Add($"mark set mark or {MasqueradeMark}");
        rules.Chain("masquerading").AddRange([$"mark and {MasqueradeMark} == 0 return", $"mark set mark xor {MasqueradeMark}", "masquerade fully-random"]);
        rules.Chain("services").AddRange([
            "ip daddr . meta l4proto . th dport vmap @service-ips",
            "fib daddr type local meta l4proto . th dport vmap @service-nodeports",
        ]);
        rules.Chain("service-endpoints-check").Add("ip daddr . meta l4proto . th dport vmap @no-endpoint-services");
        rules.Chain("nodeport-endpoints-check").Add("fib daddr type local meta l4proto . th dport vmap @no-endpoint-nodeports");
        rules.Chain("reject-chain").Add("reject");

        rules.AddMap("service-ips", "ipv4_addr . inet_proto . inet_service : verdict");
        rules.AddMap("service-nodeports", "inet_proto . inet_service : verdict");
        rules.AddMap("no-endpoint-services", "ipv4_addr . inet_proto . inet_service : verdict");
        rules.AddMap("no-endpoint-nodeports", "inet_proto . inet_service : verdict");
    }

    private static void AddPort(NftRuleset rules, ProxiedPort port, string? localPodCidr)
    {
        var all = Usable(port.Endpoints);
        var cluster = port.InternalLocal ? Usable([.. port.Endpoints.Where(e => e.Local)]) : all;
        var local = Usable([.. port.Endpoints.Where(e => e.Local)]);
        var serviceKey = $"{port.ClusterIp} . {port.Protocol} . {Num(port.Port)}";
        var nodePortKey = $"{port.Protocol} . {Num(port.NodePort)}";
        var serviceChain = "service-" + port.Key;

        if (cluster.Count == 0)
        {
            // No endpoint: refuse (reject) rather than let the connection hang; with endpoints elsewhere but none
            // allowed by a Local policy, drop as upstream does.
            var verdict = port.Endpoints.Count == 0 || all.Count == 0 ? "goto reject-chain" : "drop";
            rules.Maps["no-endpoint-services"].Elements[serviceKey] = verdict;
            if (port.NodePort > 0)
            {
                rules.Maps["no-endpoint-nodeports"].Elements[nodePortKey] = verdict;
            }

            return;
        }

        rules.Maps["service-ips"].Elements[serviceKey] = "goto " + serviceChain;
        var chain = rules.Chain(serviceChain);
        var masquerade = $"ip daddr {port.ClusterIp} {port.Protocol} dport {Num(port.Port)}";
        chain.Add(localPodCidr is null ? $"{masquerade} jump mark-for-masquerade" : $"{masquerade} ip saddr != {localPodCidr} jump mark-for-masquerade");
        AddDispatch(rules, serviceChain, port, cluster);

        if (port.NodePort > 0)
        {
            var externalChain = "external-" + port.Key;
            rules.Maps["service-nodeports"].Elements[nodePortKey] = "goto " + externalChain;
            var external = rules.Chain(externalChain);
            if (!port.ExternalLocal)
            {
                external.Add("jump mark-for-masquerade");
                external.Add("goto " + serviceChain);
            }
            else
            {
                // Local: the client's address is kept; traffic from the node itself or its pods may use any endpoint.
                external.Add("fib saddr type local jump mark-for-masquerade");
                external.Add("fib saddr type local goto " + serviceChain);
                if (localPodCidr is not null)
                {
                    external.Add($"ip saddr {localPodCidr} goto {serviceChain}");
                }

                if (local.Count == 0)
                {
                    external.Add("drop");
                }
                else
                {
                    AddDispatch(rules, externalChain, port, local);
                }
            }
        }
    }

    /// <summary>
    /// The endpoint chains and the random pick among them. The pick is a lookup of <c>numgen random mod N</c> in a
    /// named verdict map per dispatching chain (<c>lb-CHAIN</c>) rather than an anonymous one in the rule: the
    /// kernel names every anonymous set by scanning all the table's sets (<c>__map%d</c>), which made a full sync of
    /// 10,000 Services quadratic (minutes); a named map is one lookup by name, and an endpoint change is an element
    /// change.
    /// </summary>
    private static void AddDispatch(NftRuleset rules, string chainName, ProxiedPort port, List<ProxiedEndpoint> endpoints)
    {
        var chain = rules.Chain(chainName);
        var names = new List<string>(endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            var name = $"endpoint-{port.Key}__{endpoint.Ip}/{Num(endpoint.Port)}";
            names.Add(name);
            if (rules.Chains.ContainsKey(name))
            {
                continue;
            }

            var rulesOf = rules.Chain(name);
            rulesOf.Add($"ip saddr {endpoint.Ip} jump mark-for-masquerade");
            if (port.AffinitySeconds > 0)
            {
                var set = $"affinity-{port.Key}__{endpoint.Ip}/{Num(endpoint.Port)}";
                rules.Sets[set] = $"type ipv4_addr; flags dynamic,timeout; timeout {Num(port.AffinitySeconds)}s;";
                rulesOf.Add($"update @{set} {{ ip saddr }}");
            }

            rulesOf.Add($"meta l4proto {port.Protocol} dnat to {endpoint.Ip}:{Num(endpoint.Port)}");
        }

        if (port.AffinitySeconds > 0)
        {
            foreach (var name in names)
            {
                chain.Add($"ip saddr @affinity-{name["endpoint-".Length..]} goto {name}");
            }
        }

        var mapName = "lb-" + chainName;
        rules.AddMap(mapName, LoadBalancingMapType);
        for (var i = 0; i < names.Count; i++)
        {
            rules.Maps[mapName].Elements[Num(i)] = "goto " + names[i];
        }

        chain.Add($"numgen random mod {Num(names.Count)} vmap @{mapName}");
    }

    /// <summary>Ready endpoints; when none is ready, the serving ones that are terminating (upstream's fallback).</summary>
    private static List<ProxiedEndpoint> Usable(IReadOnlyList<ProxiedEndpoint> endpoints)
    {
        var ready = endpoints.Where(e => e.Ready).ToList();
        return ready.Count > 0 ? ready : [.. endpoints.Where(e => e.Serving && e.Terminating)];
    }

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}
