using System.Globalization;

namespace Skiff.Networking.Proxy;

/// <summary>
/// Builds the proxy's table as kube-proxy's nftables mode lays it out (pkg/proxy/nftables): the <c>services</c>
/// chain dispatches with one lookup in the <c>service-ips</c> and <c>service-nodeports</c> verdict maps. Service ports
/// without endpoints are in <c>no-endpoint-services</c> / <c>no-endpoint-nodeports</c>, checked in the filter hooks
/// before NAT, and rejected (connection refused). Unlike upstream, a plain port has no chain of its own: its verdict
/// goes to a dispatch chain shared by every port of its protocol and endpoint count, which marks for masquerade what
/// comes from outside the node's pod range and picks an endpoint at random from the <c>cluster-endpoints-PROTOCOL</c> map
/// (see <see cref="AddPort"/>). A port with ClientIP affinity (a timed set per endpoint) or a Local NodePort keeps a
/// chain of its own with one rule per endpoint (see <see cref="AddDispatch"/>).
/// </summary>
public static class ProxyRules
{
    public const string MasqueradeMark = "0x4000";

    /// <summary>Pairs <c>ip . ip</c>, one per endpoint in this node's pod range: a packet whose source and destination
    /// are both that endpoint after the DNAT is hairpin traffic (a pod reaching itself through its Service),
    /// masqueraded so that the reply comes back through the node. Only a pod of this node can send a packet that this
    /// node DNATs to itself (another node's pods are DNATed by their own node, and the node reaching its own address
    /// needs no masquerade), so endpoints elsewhere have no pair: at 10,000 Services they were most of the
    /// elements of a full sync.</summary>
    public const string HairpinSet = "hairpin-endpoints";

    /// <summary>The ClusterIPs this node programs (every Service with a proxied port): a connection to one of them
    /// on a port no Service has is rejected, as upstream's <c>cluster-ips</c> set does.</summary>
    public const string ClusterIpsSet = "cluster-ips";

    /// <summary>The transport protocols a Service port may have (as <see cref="ProxiedPort.Protocol"/> spells them).</summary>
    public static readonly IReadOnlyList<string> Protocols = ["tcp", "udp", "sctp"];

    /// <summary>The maps every service port adds its elements to (declared by <see cref="NewTable"/>). The endpoint
    /// maps are one per protocol, their data typed by that protocol's port: a map whose data is typed
    /// <c>ip daddr . th dport</c> is read back from the kernel by nft 1.0.6 so that a rule added to it later (a new
    /// dispatch chain in an incremental sync) is refused with "conflicting protocols specified: tcp vs. th", and a map
    /// typed with one protocol refuses the rules of the others.</summary>
    public static readonly IReadOnlyList<(string Name, string Type)> SharedMaps =
    [
        ("service-ips", "ipv4_addr . inet_proto . inet_service : verdict"),
        ("service-nodeports", "inet_proto . inet_service : verdict"),
        ("no-endpoint-services", "ipv4_addr . inet_proto . inet_service : verdict"),
        ("no-endpoint-nodeports", "inet_proto . inet_service : verdict"),
        .. Protocols.Select(p => (ClusterEndpoints(p), $"typeof ip daddr . meta l4proto . th dport . numgen random mod 1 : ip daddr . {p} dport")),
        .. Protocols.Select(p => (NodePortEndpoints(p), $"typeof meta l4proto . th dport . numgen random mod 1 : ip daddr . {p} dport")),
    ];

    /// <param name="ports">The service ports to program.</param>
    /// <param name="table">The table's name (family <c>ip</c>).</param>
    /// <param name="localPodCidr">This node's pod range: traffic from elsewhere to a ClusterIP is masqueraded (upstream's
    /// detect-local by node CIDR); null masquerades everything.</param>
    /// <param name="clusterCidr">The pods' range of the whole cluster: traffic from this node's pods to anywhere
    /// outside it (and outside <paramref name="localPodCidr"/>) is masqueraded to the node's address, as flannel's
    /// ip-masq rules do; pod-to-pod traffic keeps its source. Null: no such rule.</param>
    /// <param name="serviceCidr">The cluster's Service range: a new connection to an address in it that no Service
    /// holds is dropped (upstream's "Drop traffic to unallocated ClusterIPs"), so that traffic to a Service this node
    /// has not programmed yet never leaves the node untranslated; the client's retry finds the rules. Null: no such
    /// rule.</param>
    public static NftRuleset Build(IEnumerable<ProxiedPort> ports, string table, string? localPodCidr, string? clusterCidr = null, string? serviceCidr = null)
    {
        ArgumentNullException.ThrowIfNull(ports);
        var rules = NewTable(table, localPodCidr, clusterCidr, serviceCidr);
        foreach (var port in ports.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            AddPort(rules, port, localPodCidr);
        }

        foreach (var (name, chainRules) in rules.SharedChains)
        {
            rules.Chains[name] = chainRules;
        }

        rules.SharedChains.Clear();
        return rules;
    }

    /// <summary>The table without any service port: base chains, shared chains and the shared maps (empty).</summary>
    public static NftRuleset NewTable(string table, string? localPodCidr, string? clusterCidr = null, string? serviceCidr = null)
    {
        var rules = new NftRuleset(table);
        AddSkeleton(rules);
        if (serviceCidr is not null)
        {
            rules.Chain("cluster-ips-check").Add($"ip daddr {serviceCidr} drop");
        }

        if (localPodCidr is not null && clusterCidr is not null)
        {
            // After the service masquerading (which returns for unmarked packets): a chain of the same table, so the
            // node keeps one owner of its nftables state.
            rules.Chain("nat-postrouting").Add("jump pod-egress");
            rules.Chain("pod-egress").Add($"ip saddr {localPodCidr} ip daddr != {localPodCidr} ip daddr != {clusterCidr} masquerade");
        }

        return rules;
    }

    /// <summary>What one service's ports add to the table: their chains, affinity sets and shared-map elements, in a
    /// ruleset of their own whose shared maps are present (for their elements) but belong to the table.</summary>
    public static NftRuleset ServiceFragment(IEnumerable<ProxiedPort> ports, string table, string? localPodCidr)
    {
        ArgumentNullException.ThrowIfNull(ports);
        var rules = new NftRuleset(table);
        foreach (var (name, type) in SharedMaps)
        {
            rules.AddMap(name, type);
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
        // After the DNAT (forward comes after prerouting's; output's own DNAT is at -100): what still goes to a
        // ClusterIP was not translated.
        rules.Chain("filter-forward").Add("ct state new jump cluster-ips-check");
        Base("filter-output-post-dnat", "type filter hook output priority -90; policy accept;", "ct state new jump cluster-ips-check");
        rules.Sets[ClusterIpsSet] = "type ipv4_addr;";
        // The cluster DNS address is bound on the node itself and is its kube-dns Service's endpoint: traffic to a
        // local address never leaves the node, whatever its port.
        rules.Chain("cluster-ips-check").AddRange(["fib daddr type local return", $"ip daddr @{ClusterIpsSet} reject"]);

        rules.Chain("mark-for-masquerade").Add($"mark set mark or {MasqueradeMark}");
        rules.Sets[HairpinSet] = "type ipv4_addr . ipv4_addr;";
        // Only connections this table DNATed are hairpin: without "ct status dnat" the pair also matches traffic of
        // the node to its own address when that address is an endpoint (the kubernetes Service's is the server's),
        // and when the table is the first thing in a namespace to need conntrack, the kernel picks connections that
        // were open before it up mid-stream as new ones: masquerading them rewrote their source port and reset every
        // established connection of the node to itself (watches to the API server).
        rules.Chain("masquerading").AddRange([$"ct status dnat ip saddr . ip daddr @{HairpinSet} mark set mark or {MasqueradeMark}", $"mark and {MasqueradeMark} == 0 return", $"mark set mark xor {MasqueradeMark}", "masquerade fully-random"]);
        rules.Chain("services").AddRange([
            "ip daddr . meta l4proto . th dport vmap @service-ips",
            "fib daddr type local meta l4proto . th dport vmap @service-nodeports",
        ]);
        rules.Chain("service-endpoints-check").Add("ip daddr . meta l4proto . th dport vmap @no-endpoint-services");
        rules.Chain("nodeport-endpoints-check").Add("fib daddr type local meta l4proto . th dport vmap @no-endpoint-nodeports");
        rules.Chain("reject-chain").Add("reject");

        foreach (var (name, type) in SharedMaps)
        {
            rules.AddMap(name, type);
        }
    }

    /// <summary>One service port's chains, sets and map elements (the shared maps must be in <paramref name="rules"/>;
    /// the dispatch chains it uses go to <see cref="NftRuleset.SharedChains"/>).</summary>
    public static void AddPort(NftRuleset rules, ProxiedPort port, string? localPodCidr)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(port);
        var all = Usable(port.Endpoints);
        var cluster = port.InternalLocal ? Usable([.. port.Endpoints.Where(e => e.Local)]) : all;
        var local = Usable([.. port.Endpoints.Where(e => e.Local)]);
        var serviceKey = $"{port.ClusterIp} . {port.Protocol} . {Num(port.Port)}";
        var nodePortKey = $"{port.Protocol} . {Num(port.NodePort)}";
        rules.AddSetElement(ClusterIpsSet, port.ClusterIp);

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

        if (port.AffinitySeconds > 0 || (port.NodePort > 0 && port.ExternalLocal))
        {
            AddPortChains(rules, port, localPodCidr, cluster, local, serviceKey, nodePortKey);
            return;
        }

        // The common case, no chain of its own: the Service's element in service-ips goes to the dispatch chain of
        // its protocol and endpoint count, which picks the endpoint from its protocol's cluster-endpoints map by the
        // packet's destination and a random index. An endpoint change is then a change of map elements only, which the
        // kernel commits without validating the table (a new rule or jump makes it walk every chain reachable).
        rules.Maps["service-ips"].Elements[serviceKey] = "goto " + Dispatch(rules, ClusterDispatch, port.Protocol, cluster.Count, localPodCidr);
        AddEndpointElements(rules, ClusterEndpoints(port.Protocol), serviceKey, cluster);
        AddHairpin(rules, cluster, localPodCidr);
        if (port.NodePort > 0)
        {
            rules.Maps["service-nodeports"].Elements[nodePortKey] = "goto " + Dispatch(rules, NodePortDispatch, port.Protocol, cluster.Count, localPodCidr);
            AddEndpointElements(rules, NodePortEndpoints(port.Protocol), nodePortKey, cluster);
        }
    }

    /// <summary>The data map from a ClusterIP port's key and an endpoint's index to the endpoint's address and port,
    /// for the ports of <paramref name="protocol"/>.</summary>
    public static string ClusterEndpoints(string protocol) => "cluster-endpoints-" + protocol;

    /// <summary>The same for NodePorts (keyed by protocol and node port).</summary>
    public static string NodePortEndpoints(string protocol) => "nodeport-endpoints-" + protocol;

    private const string ClusterDispatch = "dispatch";
    private const string NodePortDispatch = "nodeport-dispatch";

    /// <summary>The shared chain that picks one of <paramref name="count"/> endpoints of a <paramref name="protocol"/>
    /// port: ClusterIP traffic from outside the node's pod range, and all NodePort traffic, is marked for masquerade
    /// first (what upstream's per-service chain does).</summary>
    private static string Dispatch(NftRuleset rules, string kind, string protocol, int count, string? localPodCidr)
    {
        var name = $"{kind}-{protocol}-{Num(count)}";
        if (!rules.SharedChains.ContainsKey(name))
        {
            var mark = $"mark set mark or {MasqueradeMark}";
            var pick = kind == ClusterDispatch
                ? $"meta l4proto {protocol} dnat to ip daddr . meta l4proto . th dport . numgen random mod {Num(count)} map @{ClusterEndpoints(protocol)}"
                : $"meta l4proto {protocol} dnat to meta l4proto . th dport . numgen random mod {Num(count)} map @{NodePortEndpoints(protocol)}";
            rules.SharedChains[name] = [kind == ClusterDispatch && localPodCidr is not null ? $"ip saddr != {localPodCidr} {mark}" : mark, pick];
        }

        return name;
    }

    private static void AddEndpointElements(NftRuleset rules, string map, string key, List<ProxiedEndpoint> endpoints)
    {
        var elements = rules.Maps[map].Elements;
        for (var i = 0; i < endpoints.Count; i++)
        {
            elements[$"{key} . {Num(i)}"] = $"{endpoints[i].Ip} . {Num(endpoints[i].Port)}";
        }
    }

    /// <summary>The <see cref="HairpinSet"/> pairs of the endpoints in <paramref name="localPodCidr"/> (all of them
    /// when it is not known).</summary>
    private static void AddHairpin(NftRuleset rules, List<ProxiedEndpoint> endpoints, string? localPodCidr)
    {
        var local = localPodCidr is not null && System.Net.IPNetwork.TryParse(localPodCidr, out var range) ? range : (System.Net.IPNetwork?)null;
        foreach (var endpoint in endpoints)
        {
            if (local is not { } r || (System.Net.IPAddress.TryParse(endpoint.Ip, out var ip) && r.Contains(ip)))
            {
                rules.AddSetElement(HairpinSet, $"{endpoint.Ip} . {endpoint.Ip}");
            }
        }
    }

    /// <summary>A port with ClientIP affinity or a Local NodePort: chains of its own, with the endpoint pick as rules.</summary>
    private static void AddPortChains(NftRuleset rules, ProxiedPort port, string? localPodCidr, List<ProxiedEndpoint> cluster, List<ProxiedEndpoint> local, string serviceKey, string nodePortKey)
    {
        var serviceChain = "service-" + port.Key;
        rules.Maps["service-ips"].Elements[serviceKey] = "goto " + serviceChain;
        var chain = rules.Chain(serviceChain);
        var masquerade = $"ip daddr {port.ClusterIp} {port.Protocol} dport {Num(port.Port)}";
        // The mark is set here rather than by a jump to mark-for-masquerade: every jump is one more chain for the
        // kernel to walk when it validates the table, which it does whole on every commit that adds a rule.
        chain.Add(localPodCidr is null ? $"{masquerade} mark set mark or {MasqueradeMark}" : $"{masquerade} ip saddr != {localPodCidr} mark set mark or {MasqueradeMark}");
        AddDispatch(rules, serviceChain, port, cluster);
        AddHairpin(rules, cluster, localPodCidr);

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
    /// The random pick among the endpoints, as rules of the dispatching chain: endpoint i of N is taken with
    /// <c>numgen random mod (N - i) == 0</c> (the last one unconditionally), which is 1/N for each, as kube-proxy's
    /// iptables mode does with its probability cascade: one rule per endpoint. Hairpin traffic is recognised after
    /// the DNAT, in postrouting, by the endpoint's pair in <see cref="HairpinSet"/> (of DNATed connections only).
    /// With ClientIP affinity, a client found in an endpoint's timed set goes to it first, and every pick refreshes
    /// the set.
    /// Why not upstream's endpoint chains and anonymous <c>numgen ... vmap { }</c>: the kernel looks sets up by
    /// name in a list and names anonymous ones by scanning that list, so one set per service made a full sync of
    /// 10,000 Services spend most of its time in those scans, and every <c>nft</c> run dumps all chains of the
    /// table into its cache first, which at six chains per service cost hundreds of ms per change.
    /// </summary>
    private static void AddDispatch(NftRuleset rules, string chainName, ProxiedPort port, List<ProxiedEndpoint> endpoints)
    {
        var chain = rules.Chain(chainName);
        string? Affinity(ProxiedEndpoint endpoint)
        {
            if (port.AffinitySeconds <= 0)
            {
                return null;
            }

            var set = $"affinity-{port.Key}__{endpoint.Ip}/{Num(endpoint.Port)}";
            rules.Sets[set] = $"type ipv4_addr; flags dynamic,timeout; timeout {Num(port.AffinitySeconds)}s;";
            return set;
        }

        void Pick(ProxiedEndpoint endpoint, string condition)
        {
            var set = Affinity(endpoint);
            var action = (set is null ? string.Empty : $"update @{set} {{ ip saddr }} ")
                + $"meta l4proto {port.Protocol} dnat to {endpoint.Ip}:{Num(endpoint.Port)}";
            chain.Add(condition.Length == 0 ? action : condition + " " + action);
        }

        if (port.AffinitySeconds > 0)
        {
            foreach (var endpoint in endpoints)
            {
                Pick(endpoint, $"ip saddr @{Affinity(endpoint)}");
            }
        }

        for (var i = 0; i < endpoints.Count; i++)
        {
            Pick(endpoints[i], i == endpoints.Count - 1 ? string.Empty : $"numgen random mod {Num(endpoints.Count - i)} == 0");
        }
    }

    /// <summary>Ready endpoints; when none is ready, the serving ones that are terminating (upstream's fallback).</summary>
    private static List<ProxiedEndpoint> Usable(IReadOnlyList<ProxiedEndpoint> endpoints)
    {
        var ready = endpoints.Where(e => e.Ready).ToList();
        return ready.Count > 0 ? ready : [.. endpoints.Where(e => e.Serving && e.Terminating)];
    }

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}
