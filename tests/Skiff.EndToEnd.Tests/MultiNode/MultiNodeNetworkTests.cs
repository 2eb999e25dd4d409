using System.Globalization;

namespace Skiff.EndToEnd.Tests.MultiNode;

/// <summary>
/// Issue 18's test bed with real containers: a server and two agents, each node a separate "machine" in its own
/// network namespace on a test LAN (and, second, all sharing this machine as README's same-machine example). A
/// Deployment of 6 nginx pods spread over the three nodes by a topology spread constraint; from a busybox pod on every
/// node, <c>wget</c> reaches every nginx pod by its IP and (where the test bed serves DNS) the Service by its short and
/// its full name, and nginx's access log shows the client pod's own IP (no NAT); an agent stopped and its Node deleted
/// leaves no route to its pod range on the other nodes.
/// </summary>
public sealed class MultiNodeNetworkTests
{
    [SkippableFact]
    public async Task Pods_on_three_namespaced_hosts_reach_each_other_without_nat_and_a_removed_node_leaves_no_route()
    {
        RequireRealParts();
        await using var hosts = await TestHosts.CreateAsync(3);
        await using var cluster = await MultiNodeCluster.StartAsync(hosts);
        var cidrs = await PodCidrsAsync(cluster);

        // host-gw: every host routes the two other nodes' pod ranges via their addresses on the LAN (each node installs
        // them when its informer has seen the others' podCIDRs, so wait for them rather than read once).
        for (var i = 0; i < 3; i++)
        {
            var host = i;
            var expected = MultiNodeCluster.AllNodes.Select((n, j) => (n, j)).Where(p => p.j != host)
                .Select(p => $"{cidrs[p.n]} via {hosts.Address(p.j)} dev eth0").ToList();
            await WaitUntilAsync(
                async () =>
                {
                    var routes = await hosts.SkiffRoutesAsync(host);
                    return expected.All(route => routes.Contains(route, StringComparison.Ordinal));
                },
                $"host {host} lacks one of the routes {string.Join(", ", expected)}");
        }

        await PodsReachEveryPodWithTheirOwnAddressAsync(cluster);

        // A node leaves: it is drained (so that its kubelet tears its pods down, as an operator would, and no container
        // outlives the test), its agent stops, its Node is deleted; the others drop their route to its range.
        var leaving = MultiNodeCluster.AgentNodes[1];
        await DrainAsync(cluster, leaving);
        await cluster.Agent(1).StopAsync();
        await cluster.KubectlOkAsync("delete", "node", leaving);
        foreach (var i in new[] { 0, 1 })
        {
            await WaitUntilAsync(async () => !(await hosts.SkiffRoutesAsync(i)).Contains(cidrs[leaving], StringComparison.Ordinal), $"host {i} still routes {cidrs[leaving]}");
        }

        Assert.Contains(cidrs[MultiNodeCluster.AgentNodes[0]], await hosts.SkiffRoutesAsync(0), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Pods_on_hosts_behind_a_router_reach_each_other_through_the_vxlan_overlay()
    {
        RequireRealParts();
        // The server alone on one link, the two agents on another, a router between: the default backend (auto)
        // routes the agents to each other directly and reaches the server's node through VXLAN.
        await using var hosts = await TestHosts.CreateAsync(3, routed: true);
        await using var cluster = await MultiNodeCluster.StartAsync(hosts);
        var cidrs = await PodCidrsAsync(cluster);
        string Gateway(string cidr) => cidr[..cidr.IndexOf('/', StringComparison.Ordinal)];

        await WaitUntilAsync(async () => (await hosts.SkiffRoutesAsync(1)).Contains("dev skiff.1", StringComparison.Ordinal), "agent 1 has no VXLAN route");
        var agentRoutes = await hosts.SkiffRoutesAsync(1);
        Assert.Contains($"{cidrs[MultiNodeCluster.ServerNode]} via {Gateway(cidrs[MultiNodeCluster.ServerNode])} dev skiff.1 onlink", agentRoutes, StringComparison.Ordinal);
        Assert.Contains($"{cidrs[MultiNodeCluster.AgentNodes[1]]} via {hosts.Address(2)} dev eth0", agentRoutes, StringComparison.Ordinal);
        var device = await TestHosts.IpAsync("-n", hosts.Host(0), "-d", "link", "show", "skiff.1");
        Assert.Contains($"vxlan id 1 local {hosts.Address(0)} dev eth0", device, StringComparison.Ordinal);
        var annotation = await cluster.KubectlOkAsync("get", "node", MultiNodeCluster.ServerNode, "-o", "jsonpath={.metadata.annotations.flannel\\.alpha\\.coreos\\.com/backend-data}");
        Assert.Equal("{\"VNI\":1,\"VtepMAC\":\"0e:53:0a:cf:00:01\"}", annotation.Stdout.Trim());

        await PodsReachEveryPodWithTheirOwnAddressAsync(cluster);

        // The overlay's MTU (1500 of the LAN less 50) is the pods' too on every node (auto may carry any pod's packets
        // over VXLAN), as flannel's FLANNEL_MTU: a full-size pod packet fits the device without fragmentation.
        foreach (var node in MultiNodeCluster.AllNodes)
        {
            var mtu = await cluster.KubectlOkAsync("exec", "bb-" + node, "--", "cat", "/sys/class/net/eth0/mtu");
            Assert.Equal("1450", mtu.Stdout.Trim());
        }

        var leaving = MultiNodeCluster.AgentNodes[1];
        await DrainAsync(cluster, leaving);
        await cluster.Agent(1).StopAsync();
        await cluster.KubectlOkAsync("delete", "node", leaving);
        await WaitUntilAsync(async () => !(await hosts.SkiffRoutesAsync(0)).Contains(cidrs[leaving], StringComparison.Ordinal), "the server still routes " + cidrs[leaving]);
        await WaitUntilAsync(
            async () => !(await TestHosts.IpAsync("-n", hosts.Host(0), "neigh", "show", "dev", "skiff.1")).Contains(Gateway(cidrs[leaving]) + " ", StringComparison.Ordinal),
            "the server keeps the neighbour entry of the node that left");
        var fdb = await ProcessRunner.RunAsync("bridge", ["-n", hosts.Host(0), "fdb", "show", "dev", "skiff.1"], null, TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Contains("dst " + hosts.Address(1), fdb.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("dst " + hosts.Address(2), fdb.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Pods_on_three_nodes_sharing_this_machine_reach_each_other_without_nat()
    {
        RequireRealParts();
        await using var cluster = await MultiNodeCluster.StartAsync(null);
        var cidrs = await PodCidrsAsync(cluster);
        Assert.All(cidrs.Values, c => Assert.True(Within(c, cluster.ClusterCidr), $"{c} not in {cluster.ClusterCidr}"));

        await PodsReachEveryPodWithTheirOwnAddressAsync(cluster);

        // Nodes on one kernel need no routes (each bridge's own route serves): none of ours for these ranges.
        var ours = await TestHosts.IpAsync("route", "show", "proto", "151");
        Assert.All(cidrs.Values, c => Assert.DoesNotContain(c, ours, StringComparison.Ordinal));
    }

    internal static void RequireRealParts()
    {
        var missing = Prerequisite.MissingForCluster().ToList();
        if (Prerequisite.FindOnPath("ip") is null)
        {
            missing.Add("'ip' (iproute2) not on PATH");
        }

        if (missing.Count > 0)
        {
            var reason = string.Join("; ", missing);
            Assert.False(Prerequisite.InCi, "the multi-node test bed cannot run: " + reason);
            Skip.If(true, reason);
        }
    }

    internal static async Task<Dictionary<string, string>> PodCidrsAsync(MultiNodeCluster cluster)
    {
        var result = await cluster.KubectlOkAsync("get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name} {.spec.podCIDR}{\"\\n\"}{end}");
        var cidrs = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
        Assert.Equal(MultiNodeCluster.AllNodes.Order(StringComparer.Ordinal), cidrs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3, cidrs.Values.Distinct(StringComparer.Ordinal).Count());
        return cidrs;
    }

    /// <summary>Six nginx pods, two per node (topology spread over hostnames, maxSkew 1), their Service <c>web</c>, and
    /// a busybox client pinned to each node; every client fetches from every nginx pod by IP and, when the cluster serves
    /// DNS, from <c>http://web</c> (the search list) and <c>http://web.default.svc.cluster.local</c>; every nginx saw
    /// each client's own pod IP.</summary>
    internal static async Task PodsReachEveryPodWithTheirOwnAddressAsync(MultiNodeCluster cluster)
    {
        await cluster.KubectlOkAsync("apply", "-f", cluster.WriteManifest(WebManifest));
        await cluster.KubectlOkAsync("rollout", "status", "deployment/mn-web", "--timeout=300s");
        var web = await PodsAsync(cluster, "app=mn-web");
        Assert.Equal(6, web.Count);
        Assert.All(MultiNodeCluster.AllNodes, node => Assert.Equal(2, web.Count(p => p.Node == node)));

        foreach (var node in MultiNodeCluster.AllNodes)
        {
            await cluster.KubectlOkAsync(
                "run", "bb-" + node, "--image=busybox", "--restart=Never", "--labels=app=mn-client",
                "--overrides={\"spec\":{\"nodeName\":\"" + node + "\"}}", "--", "sleep", "3600");
        }

        await cluster.KubectlOkAsync("wait", "--for=condition=Ready", "pod", "-l", "app=mn-client", "--timeout=300s");
        var clients = await PodsAsync(cluster, "app=mn-client");
        Assert.Equal(3, clients.Count);

        foreach (var client in clients)
        {
            foreach (var server in web)
            {
                await FetchNginxAsync(cluster, client, $"http://{server.Ip}/?from={client.Name}", $"{server.Name} on {server.Node}");
            }

            if (cluster.ServesDns)
            {
                // The Service by name: the pod's resolv.conf names the cluster DNS address, served on the client's node.
                foreach (var name in new[] { "web", "web.default.svc.cluster.local" })
                {
                    await FetchNginxAsync(cluster, client, $"http://{name}/?from={client.Name}&by=name", "the Service");
                }
            }
        }

        foreach (var server in web)
        {
            var log = (await cluster.KubectlOkAsync("logs", server.Name)).Stdout.Split('\n');
            foreach (var client in clients)
            {
                Assert.True(
                    log.Any(l => l.StartsWith(client.Ip + " ", StringComparison.Ordinal) && l.Contains("GET /?from=" + client.Name + " ", StringComparison.Ordinal)),
                    $"{server.Name} on {server.Node} did not see {client.Name} ({client.Ip}, on {client.Node}) with its own address:\n{string.Join('\n', log)}");
            }
        }
    }

    private static async Task FetchNginxAsync(MultiNodeCluster cluster, (string Name, string Node, string Ip) client, string url, string target)
    {
        CommandResult? fetch = null;
        // The first packets may race the routes of a node that just joined: a few tries, then it must work.
        for (var attempt = 0; attempt < 10; attempt++)
        {
            // (No -T: this busybox's wget crashes on it; kubectl's own deadline bounds a hung fetch.)
            fetch = await cluster.KubectlAsync(["exec", client.Name, "--", "wget", "-qO-", url], TimeSpan.FromSeconds(30));
            if (fetch.ExitCode == 0)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        Assert.True(fetch!.ExitCode == 0, $"{client.Name} on {client.Node} -> {target} ({url}): {fetch}\n{cluster.Logs()}");
        Assert.Contains("Welcome to nginx", fetch.Stdout, StringComparison.Ordinal);
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what + " after 60 s");
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    // kubectl drain returns once the node's pods are gone (the busybox clients are bare pods: --force).
    private static Task DrainAsync(MultiNodeCluster cluster, string node) =>
        cluster.KubectlOkAsync("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--force", "--grace-period=1", "--timeout=120s");

    private static async Task<List<(string Name, string Node, string Ip)>> PodsAsync(MultiNodeCluster cluster, string selector)
    {
        var result = await cluster.KubectlOkAsync("get", "pods", "-l", selector, "-o", "jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.podIP}{\"\\n\"}{end}");
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).Select(f => (f[0], f[1], f[2])).ToList();
    }

    private const string WebManifest = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: mn-web}
            spec:
              replicas: 6
              selector: {matchLabels: {app: mn-web}}
              template:
                metadata: {labels: {app: mn-web}}
                spec:
                  topologySpreadConstraints:
                  - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: mn-web}}}
                  containers:
                  - {name: nginx, image: nginx}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              selector: {app: mn-web}
              ports: [{port: 80}]
            """;

    private static bool Within(string cidr, string range)
    {
        static (uint Network, int Bits) Parse(string text)
        {
            var parts = text.Split('/');
            var bytes = System.Net.IPAddress.Parse(parts[0]).GetAddressBytes();
            return ((uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]), int.Parse(parts[1], CultureInfo.InvariantCulture));
        }

        var (inner, innerBits) = Parse(cidr);
        var (outer, outerBits) = Parse(range);
        var mask = outerBits == 0 ? 0u : uint.MaxValue << (32 - outerBits);
        return innerBits >= outerBits && (inner & mask) == (outer & mask);
    }
}
