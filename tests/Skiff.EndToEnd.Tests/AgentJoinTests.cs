namespace Skiff.EndToEnd.Tests;

/// <summary>
/// Issue 8, a second node: <c>skiff agent</c> joins the running server with the server's join token, its node becomes
/// Ready next to the server's, and a pod bound to it runs, with logs and exec proxied through the API server to the
/// agent's kubelet. A wrong token is refused and registers nothing. Issue 17: the bootstrap-token join path (TLS
/// bootstrap through a CertificateSigningRequest the controller manager approves and signs).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AgentJoinTests(SkiffCluster cluster)
{
    private const string AgentNode = "e2e-agent";

    [SkippableFact]
    public async Task An_agent_with_a_wrong_token_is_refused_and_registers_no_node()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var good = (await File.ReadAllTextAsync(cluster.TokenPath)).Trim();
        // The right CA hash (so the agent trusts the server) but not the secret.
        var wrongToken = Path.Combine(cluster.DataDirectory, "wrong-token");
        await File.WriteAllTextAsync(wrongToken, good[..good.IndexOf("::server:", StringComparison.Ordinal)] + "::server:not-the-secret\n");

        await using var agent = AgentProcess.Start(cluster, "e2e-intruder", wrongToken);
        // Generous: starting the binary alone takes tens of seconds on a loaded machine.
        Assert.Equal(1, await agent.WaitForExitAsync(TimeSpan.FromMinutes(3)));
        var log = agent.ReadLog();
        Assert.Contains("refused", log, StringComparison.Ordinal);
        Assert.Contains("401", log, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret", log, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(agent.DataDirectory, "agent", "kubeconfig.yaml")), "nothing may be issued for a wrong token");
        var node = await cluster.KubectlAsync(["get", "node", "e2e-intruder"]);
        Assert.NotEqual(0, node.ExitCode);
        Assert.Contains("NotFound", node.Stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task An_agent_joins_with_the_token_and_runs_a_pod_bound_to_its_node()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        await using var agent = AgentProcess.Start(cluster, AgentNode, cluster.TokenPath);
        await WaitForReadyAsync(agent);

        var nodes = await cluster.KubectlAsync(["get", "nodes", "--no-headers"]);
        Assert.Equal(0, nodes.ExitCode);
        var lines = nodes.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, line => line.StartsWith(SkiffCluster.NodeName + " ", StringComparison.Ordinal) && line.Contains(" Ready ", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith(AgentNode + " ", StringComparison.Ordinal) && line.Contains(" Ready ", StringComparison.Ordinal));

        var pod = "on-agent-" + Guid.NewGuid().ToString("N")[..6];
        var run = await cluster.KubectlAsync(
        [
            "run", pod, "--image=busybox", "--restart=Never",
            "--overrides={\"spec\":{\"nodeName\":\"" + AgentNode + "\"}}",
            "--", "sh", "-c", "echo hello from the agent; sleep 3600",
        ]);
        Assert.True(run.ExitCode == 0, run.ToString());
        try
        {
            var ready = await cluster.KubectlAsync(["wait", "--for=condition=Ready", $"pod/{pod}", "--timeout=180s"], TimeSpan.FromSeconds(200));
            Assert.True(ready.ExitCode == 0, $"{ready}\n--- agent log:\n{agent.ReadLog()}");

            var podIp = await cluster.KubectlAsync(["get", "pod", pod, "-o", "jsonpath={.spec.nodeName} {.status.podIP}"]);
            var parts = podIp.Stdout.Split(' ');
            Assert.Equal(AgentNode, parts[0]);
            // The pod got its address from the agent's bridge, not the server's.
            Assert.StartsWith(AgentProcess.PodCidr[..AgentProcess.PodCidr.LastIndexOf('.')], parts[1], StringComparison.Ordinal);

            var logs = await cluster.KubectlAsync(["logs", pod]);
            Assert.True(logs.ExitCode == 0, logs.ToString());
            Assert.Equal("hello from the agent\n", logs.Stdout);

            var exec = await cluster.KubectlAsync(["exec", pod, "--", "sh", "-c", "echo exec on $(hostname); exit 3"]);
            Assert.Equal("exec on " + pod + "\n", exec.Stdout);
            Assert.Contains("command terminated with exit code 3", exec.Stderr, StringComparison.Ordinal);

            // Cluster DNS answers the agent's pods: this machine already serves 10.43.0.10 (the server), so the agent
            // serves no second one (node-local DNS is for agents on machines of their own).
            // Retried for up to 20 s: the agent's proxy may not have programmed the kube-dns Service yet.
            var lookup = await cluster.KubectlAsync(["exec", pod, "--", "sh", "-c",
                "for j in $(seq 20); do nslookup kubernetes.default.svc.cluster.local > /tmp/lookup && break; sleep 1; done; cat /tmp/lookup"]);
            Assert.True(lookup.Stdout.Contains("Address: 10.43.0.1", StringComparison.Ordinal), $"{lookup}\n--- agent log:\n{agent.ReadLog()}");
            Assert.Contains("cluster DNS 10.43.0.10:53 is already served on this machine", agent.ReadLog(), StringComparison.Ordinal);

            // Both components count what just happened: the API server its proxied exec, the agent's kubelet its pod.
            var apiMetrics = await cluster.KubectlAsync(["get", "--raw", "/metrics"]);
            Assert.Matches("(?m)^apiserver_request_total\\{verb=\"CONNECT\",group=\"\",version=\"v1\",resource=\"pods\",subresource=\"exec\",code=\"\\d+\"\\} [1-9]", apiMetrics.Stdout);
            var kubeletMetrics = await ScrapeKubeletAsync(agent.KubeletPort);
            Assert.Matches("(?m)^kubelet_pod_start_duration_seconds_count [1-9]", kubeletMetrics);
            Assert.Matches("(?m)^kubelet_running_pods [1-9]", kubeletMetrics);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "pod", pod, "--grace-period=1", "--timeout=90s"], TimeSpan.FromSeconds(100));
        }

        // A clean SIGTERM shutdown: the agent exits 0 and takes its containerd with it.
        await agent.DisposeAsync();
        Assert.Equal(0, agent.ExitCode);
        // The node is gone for good: leave no Node the scheduler could still pick for the other tests' pods.
        await cluster.KubectlAsync(["delete", "node", AgentNode, "--ignore-not-found"]);
    }

    [SkippableFact]
    public async Task An_agent_joins_with_a_bootstrap_token_through_an_auto_approved_certificate_request()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        const string node = "e2e-tls-agent";
        var created = await ProcessRunner.RunAsync("dotnet",
            [RepositoryPaths.SkiffDll, "token", "create", "--kubeconfig", cluster.KubeconfigPath, "--ttl", "1h", "--description", "e2e join"],
            null, TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.True(created.ExitCode == 0, created.ToString());
        var joinToken = created.Stdout.Trim();
        Assert.Matches("^K10[0-9a-f]{64}::[a-z0-9]{6}\\.[a-z0-9]{16}$", joinToken);
        var id = joinToken[(joinToken.IndexOf("::", StringComparison.Ordinal) + 2)..][..6];
        // The server's own token names the same CA.
        Assert.StartsWith((await File.ReadAllTextAsync(cluster.TokenPath))[..67], joinToken, StringComparison.Ordinal);
        var secret = await cluster.KubectlAsync(["get", "secret", "-n", "kube-system", "bootstrap-token-" + id, "-o", "jsonpath={.type} {.data.description}"]);
        Assert.Equal("bootstrap.kubernetes.io/token " + Convert.ToBase64String("e2e join"u8.ToArray()), secret.Stdout);

        var tokenFile = Path.Combine(cluster.DataDirectory, "bootstrap-token");
        await File.WriteAllTextAsync(tokenFile, joinToken + "\n");
        await using var agent = AgentProcess.Start(cluster, node, tokenFile);
        try
        {
            await WaitForReadyAsync(agent, node);

            // The request was made as the token's user, approved by csrapproving and issued by csrsigning.
            var csrs = await cluster.KubectlAsync(["get", "csr", "--no-headers"]);
            Assert.Contains(csrs.Stdout.Split('\n'), line =>
                line.Contains("kubernetes.io/kube-apiserver-client-kubelet", StringComparison.Ordinal)
                && line.Contains("system:bootstrap:" + id, StringComparison.Ordinal)
                && line.Contains("Approved,Issued", StringComparison.Ordinal));
            var reason = await cluster.KubectlAsync(["get", "csr", "-o", "jsonpath={range .items[?(@.spec.username==\"system:bootstrap:" + id + "\")]}{.status.conditions[0].reason}{end}"]);
            Assert.Equal("AutoApproved", reason.Stdout);

            // The agent talks to the API as the node, from the issued certificate, not with the token.
            var kubeconfig = await File.ReadAllTextAsync(Path.Combine(agent.DataDirectory, "agent", "kubeconfig.yaml"));
            Assert.DoesNotContain(joinToken[^16..], kubeconfig, StringComparison.Ordinal);
            var certificateLine = kubeconfig.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("client-certificate-data: ", StringComparison.Ordinal));
            using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(
                System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(certificateLine["client-certificate-data: ".Length..])));
            Assert.Equal("system:node:" + node, certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false));
            Assert.Contains("O=system:nodes", certificate.Subject, StringComparison.Ordinal);
        }
        finally
        {
            await agent.DisposeAsync();
            await cluster.KubectlAsync(["delete", "node", node, "--ignore-not-found"]);
            await cluster.KubectlAsync(["delete", "secret", "-n", "kube-system", "bootstrap-token-" + id, "--ignore-not-found"]);
        }
    }

    /// <summary>GET the kubelet's /metrics with the admin client certificate (signed by the cluster CA, as the kubelet requires).</summary>
    private async Task<string> ScrapeKubeletAsync(int port)
    {
        string Field(string name) => System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(
            File.ReadLines(cluster.KubeconfigPath).Select(l => l.Trim()).First(l => l.StartsWith(name + ": ", StringComparison.Ordinal))[(name.Length + 2)..]));
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(Field("client-certificate-data"), Field("client-key-data"));
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        handler.ClientCertificates.Add(certificate);
        using var http = new HttpClient(handler);
        return await http.GetStringAsync(new Uri($"https://127.0.0.1:{port}/metrics"));
    }

    private async Task WaitForReadyAsync(AgentProcess agent, string nodeName = AgentNode)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            Assert.False(agent.HasExited, "skiff agent exited:\n" + agent.ReadLog());
            var ready = await cluster.KubectlAsync(["get", "node", nodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"], TimeSpan.FromSeconds(20));
            if (ready.ExitCode == 0 && ready.Stdout.Trim() == "True")
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"node {nodeName} not Ready within 5 minutes:\n{agent.ReadLog()}");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }
}
