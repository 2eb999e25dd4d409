namespace Skiff.EndToEnd.Tests.MultiNode;

/// <summary>
/// NetworkPolicy across nodes that are separate "machines" (each in its own network namespace on a test LAN): nginx
/// on an agent, which enforces its ingress with the policies, pods and namespaces it reads under its own node
/// credential; a labelled client on the server's node gets in across the LAN, an unlabelled pod on the other agent
/// and one beside nginx on the same node do not; and an egress policy on the other agent (judged where the traffic
/// starts) cuts its pod off from the client's node and from cluster DNS, until a policy allowing port 53 (the usual
/// "allow DNS" egress rule) lets its names resolve again while everything else stays blocked.
/// </summary>
public sealed class MultiNodeNetworkPolicyTests
{
    [SkippableFact]
    public async Task An_agent_enforces_ingress_for_its_pods_and_egress_is_judged_on_the_sending_node()
    {
        MultiNodeNetworkTests.RequireRealParts();
        await using var hosts = await TestHosts.CreateAsync(3);
        await using var cluster = await MultiNodeCluster.StartAsync(hosts);
        var (agent1, agent2) = (MultiNodeCluster.AgentNodes[0], MultiNodeCluster.AgentNodes[1]);
        await RunOnAsync(cluster, "web", agent1, "app=web", "nginx");
        await RunOnAsync(cluster, "client", MultiNodeCluster.ServerNode, "role=client", "busybox", "sleep", "3600");
        await RunOnAsync(cluster, "far", agent2, "role=other", "busybox", "sleep", "3600");
        await RunOnAsync(cluster, "near", agent1, "role=other", "busybox", "sleep", "3600");
        await RunOnAsync(cluster, "echo", MultiNodeCluster.ServerNode, "app=echo", "nginx");
        await cluster.KubectlOkAsync("wait", "--for=condition=Ready", "pod/web", "pod/client", "pod/far", "pod/near", "pod/echo", "--timeout=300s");
        var web = (await cluster.KubectlOkAsync("get", "pod", "web", "-o", "jsonpath={.status.podIP}")).Stdout.Trim();
        var echo = (await cluster.KubectlOkAsync("get", "pod", "echo", "-o", "jsonpath={.status.podIP}")).Stdout.Trim();
        foreach (var pod in new[] { "client", "far", "near" })
        {
            await EventuallyAsync(() => FetchAsync(cluster, pod, web), "ok", cluster);
        }

        await cluster.KubectlOkAsync("apply", "-f", cluster.WriteManifest("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: web-from-clients}
            spec:
              podSelector: {matchLabels: {app: web}}
              ingress: [{from: [{podSelector: {matchLabels: {role: client}}}], ports: [{port: 80}]}]
            """));
        await EventuallyAsync(() => FetchAsync(cluster, "far", web), "blocked", cluster);
        Assert.Equal("blocked", await FetchAsync(cluster, "near", web));
        Assert.Equal("ok", await FetchAsync(cluster, "client", web));

        // Egress on agent2: its pod may reach only the web pod's address; echo (on the server's node, isolated by
        // nothing) is out of its reach.
        Assert.Equal("ok", await FetchAsync(cluster, "far", echo));
        await EventuallyAsync(() => ResolveAsync(cluster, "far"), "ok", cluster);
        await cluster.KubectlOkAsync("apply", "-f", cluster.WriteManifest($$"""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: far-out}
            spec:
              podSelector:
                matchLabels: {role: other}
              policyTypes: [Egress]
              egress:
              - to:
                - ipBlock:
                    cidr: {{web}}/32
            """));
        await EventuallyAsync(() => FetchAsync(cluster, "far", echo), "blocked", cluster);
        Assert.Equal("ok", await FetchAsync(cluster, "client", echo));
        Assert.Equal("blocked", await ResolveAsync(cluster, "far"));

        // The usual companion policy: egress to port 53 (UDP and TCP) anywhere. Skiff serves cluster DNS on every node
        // at the kube-dns address (no kube-dns pods to select), so a rule on the port is what lets DNS out.
        await cluster.KubectlOkAsync("apply", "-f", cluster.WriteManifest("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: allow-dns}
            spec:
              podSelector: {}
              policyTypes: [Egress]
              egress:
              - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
            """));
        await EventuallyAsync(() => ResolveAsync(cluster, "far"), "ok", cluster);
        Assert.Equal("blocked", await FetchAsync(cluster, "far", echo));
        Assert.Equal("blocked", await FetchAsync(cluster, "client", echo));

        await cluster.KubectlOkAsync("delete", "networkpolicy", "web-from-clients", "far-out", "allow-dns");
        await EventuallyAsync(() => FetchAsync(cluster, "far", web), "ok", cluster);
        Assert.Equal("ok", await FetchAsync(cluster, "far", echo));
    }

    private static Task RunOnAsync(MultiNodeCluster cluster, string name, string node, string labels, string image, params string[] command)
    {
        var arguments = new List<string> { "run", name, "--image=" + image, "--restart=Never", "--labels=" + labels, "--overrides={\"spec\":{\"nodeName\":\"" + node + "\"}}" };
        if (command.Length > 0)
        {
            arguments.Add("--");
            arguments.AddRange(command);
        }

        return cluster.KubectlOkAsync([.. arguments]);
    }

    private static async Task<string> FetchAsync(MultiNodeCluster cluster, string pod, string ip)
    {
        var result = await cluster.KubectlAsync(["exec", pod, "--", "sh", "-c", $"timeout 3 wget -q -O- http://{ip}/ | grep -q 'Welcome to nginx' && echo ok || echo blocked"], TimeSpan.FromSeconds(30));
        return result.ExitCode == 0 ? result.Stdout.Trim() : "kubectl failed: " + result;
    }

    /// <summary>Whether <paramref name="pod"/> resolves <c>kubernetes.default</c> through its cluster DNS (10.43.0.1,
    /// the API's Service; the pattern does not match the server's own 10.43.0.10). busybox's nslookup asks over UDP.</summary>
    private static async Task<string> ResolveAsync(MultiNodeCluster cluster, string pod)
    {
        const string Query = "timeout 5 nslookup -type=a kubernetes.default.svc.cluster.local 2>&1 | grep -qE '10[.]43[.]0[.]1( |$)' && echo ok || echo blocked";
        var result = await cluster.KubectlAsync(["exec", pod, "--", "sh", "-c", Query], TimeSpan.FromSeconds(30));
        return result.ExitCode == 0 ? result.Stdout.Trim() : "kubectl failed: " + result;
    }

    private static async Task EventuallyAsync(Func<Task<string>> probe, string expected, MultiNodeCluster cluster)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string last;
        while ((last = await probe()) != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"still {last}, not {expected}, after 60 s\n{cluster.Logs()}");
            await Task.Delay(500);
        }
    }
}
