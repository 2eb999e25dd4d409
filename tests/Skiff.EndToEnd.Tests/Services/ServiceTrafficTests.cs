namespace Skiff.EndToEnd.Tests.Services;

/// <summary>
/// Issue 15's "done when" with the real kubectl and real containers: a Deployment of nginx exposed as a Service is
/// reached from a busybox pod by name (cluster DNS, then the node's nftables service proxy to a ready endpoint) and
/// by its full name, and from the host through a NodePort.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ServiceTrafficTests(SkiffCluster cluster)
{
    private const string Namespace = "svc-traffic";

    [SkippableFact]
    public async Task A_deployment_behind_a_service_answers_by_name_from_a_pod_and_on_its_node_port_from_the_host()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        await cluster.KubectlAsync(["create", "namespace", Namespace]);
        try
        {
            await RunAsync(["create", "deployment", "web", "-n", Namespace, "--image=nginx", "--replicas=2"]);
            await RunAsync(["expose", "deployment", "web", "-n", Namespace, "--port=80", "--type=NodePort"]);
            await RunAsync(["rollout", "status", "deployment/web", "-n", Namespace, "--timeout=180s"], TimeSpan.FromSeconds(200));
            var clusterIp = (await RunAsync(["get", "svc", "web", "-n", Namespace, "-o", "jsonpath={.spec.clusterIP}"])).Stdout;
            Assert.StartsWith("10.43.", clusterIp, StringComparison.Ordinal);

            await RunAsync(["run", "t", "-n", Namespace, "--image=busybox", "--restart=Never", "--",
                // First wait (up to 20 s) for the proxy to program the new Service, as upstream's e2e waits for a
                // Service to be reachable: until then its ClusterIP is not translated and the connection leaves the node.
                "sh", "-c", $"for j in $(seq 40); do wget -q -O /dev/null http://web 2>/dev/null && break; sleep 0.5; done; wget -qO- http://web && wget -qO- http://web.{Namespace}.svc.cluster.local && nslookup web.{Namespace}.svc.cluster.local"]);
            var phase = string.Empty;
            for (var deadline = DateTime.UtcNow.AddMinutes(2); phase is not ("Succeeded" or "Failed") && DateTime.UtcNow < deadline; await Task.Delay(500))
            {
                phase = (await RunAsync(["get", "pod", "t", "-n", Namespace, "-o", "jsonpath={.status.phase}"])).Stdout;
            }

            var output = (await RunAsync(["logs", "t", "-n", Namespace])).Stdout;
            Assert.True(phase == "Succeeded", $"pod t: {phase}\n{output}\n--- server log:\n{cluster.ReadLog()}");
            Assert.Equal(2, output.Split("Welcome to nginx!</h1>").Length - 1);
            Assert.Contains($"Address: {clusterIp}", output, StringComparison.Ordinal);

            var nodePort = (await RunAsync(["get", "svc", "web", "-n", Namespace, "-o", "jsonpath={.spec.ports[0].nodePort}"])).Stdout;
            var curl = await ProcessRunner.RunAsync("curl", ["-s", "--max-time", "5", $"http://127.0.0.1:{nodePort}/"], null, TimeSpan.FromSeconds(10), CancellationToken.None);
            Assert.Contains("Welcome to nginx!", curl.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "namespace", Namespace, "--wait=false"]);
        }
    }

    private async Task<CommandResult> RunAsync(string[] arguments, TimeSpan? timeout = null)
    {
        var result = await cluster.KubectlAsync(arguments, timeout);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result}\n--- server log:\n{cluster.ReadLog()}");
        return result;
    }
}
