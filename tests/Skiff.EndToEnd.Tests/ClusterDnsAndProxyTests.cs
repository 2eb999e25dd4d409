using System.Globalization;

namespace Skiff.EndToEnd.Tests;

/// <summary>
/// Issue 15, the DNS and proxy parts, with real containers and the real kubectl: a busybox pod gets a ClusterFirst
/// resolv.conf naming the kube-dns Service, resolves Services through the node's cluster DNS (by full name with
/// nslookup, by short name through the search path), and has the kubelet's /etc/hosts; the API server's
/// services/pods/nodes proxy answer through <c>kubectl proxy</c> and <c>kubectl get --raw</c>.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterDnsAndProxyTests(SkiffCluster cluster)
{
    [SkippableFact]
    public async Task A_pod_resolves_services_through_cluster_dns()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var dns = await RunAsync(["get", "service", "kube-dns", "-n", "kube-system", "-o", "jsonpath={.spec.clusterIP} {.spec.ports[*].protocol}"]);
        Assert.Equal("10.43.0.10 UDP TCP", dns.Stdout.Trim());

        var pod = "dns-" + Guid.NewGuid().ToString("N")[..6];
        await RunAsync(["run", pod, "--image=busybox", "--restart=Never", "--", "sleep", "3600"]);
        try
        {
            await RunAsync(["wait", "--for=condition=Ready", $"pod/{pod}", "--timeout=180s"], TimeSpan.FromSeconds(200));
            var resolv = await RunAsync(["exec", pod, "--", "cat", "/etc/resolv.conf"]);
            Assert.Contains("nameserver 10.43.0.10", resolv.Stdout, StringComparison.Ordinal);
            Assert.Contains("search default.svc.cluster.local svc.cluster.local cluster.local", resolv.Stdout, StringComparison.Ordinal);
            Assert.Contains("options ndots:5", resolv.Stdout, StringComparison.Ordinal);

            var podIp = (await RunAsync(["get", "pod", pod, "-o", "jsonpath={.status.podIP}"])).Stdout.Trim();
            var hosts = await RunAsync(["exec", pod, "--", "cat", "/etc/hosts"]);
            Assert.Contains("# Kubernetes-managed hosts file.", hosts.Stdout, StringComparison.Ordinal);
            Assert.Contains($"{podIp}\t{pod}", hosts.Stdout, StringComparison.Ordinal);

            // busybox's nslookup asks the name as given (it does not walk the search path).
            var lookup = await RunAsync(["exec", pod, "--", "nslookup", "kubernetes.default.svc.cluster.local"]);
            Assert.Contains("Address: 10.43.0.1", lookup.Stdout, StringComparison.Ordinal);
            var missing = await cluster.KubectlAsync(["exec", pod, "--", "nslookup", "nope.default.svc.cluster.local"]);
            Assert.Contains("NXDOMAIN", missing.Stdout + missing.Stderr, StringComparison.Ordinal);

            // The libc resolver walks the search path: kubernetes.default -> kubernetes.default.svc.cluster.local.
            var ping = await cluster.KubectlAsync(["exec", pod, "--", "ping", "-c", "1", "-W", "1", "kubernetes.default"]);
            Assert.Contains("PING kubernetes.default (10.43.0.1)", ping.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "pod", pod, "--grace-period=1"], TimeSpan.FromSeconds(120));
        }
    }

    [SkippableFact]
    public async Task Services_pods_and_nodes_answer_through_the_proxy_subresources()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var name = "px-" + Guid.NewGuid().ToString("N")[..6];
        await RunAsync(["run", name, "--image=nginx", "--restart=Never"]);
        try
        {
            await RunAsync(["wait", "--for=condition=Ready", $"pod/{name}", "--timeout=180s"], TimeSpan.FromSeconds(200));
            var podIp = (await RunAsync(["get", "pod", name, "-o", "jsonpath={.status.podIP}"])).Stdout.Trim();

            // A Service whose Endpoints name the pod (selector-less, so no controller is needed for it).
            await RunAsync(["create", "service", "clusterip", name, "--tcp=80:80"]);
            var noEndpoints = await cluster.KubectlAsync(["get", "--raw", $"/api/v1/namespaces/default/services/{name}:80/proxy/"]);
            Assert.Contains($"no endpoints available for service \"{name}\"", noEndpoints.Stderr, StringComparison.Ordinal);
            var endpoints = Path.Combine(cluster.DataDirectory, name + "-endpoints.json");
            await File.WriteAllTextAsync(endpoints, $$"""
                {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "{{name}}"},
                 "subsets": [{"addresses": [{"ip": "{{podIp}}"}], "ports": [{"name": "80-80", "port": 80}]}]}
                """);
            await RunAsync(["apply", "-f", endpoints]);

            await using (var proxy = RunningCommand.Start("kubectl", ["--kubeconfig", cluster.KubeconfigPath, "--cache-dir", cluster.KubectlCacheDirectory, "proxy", "--port=0"]))
            {
                Assert.True(await proxy.WaitForStdoutAsync("Starting to serve on", TimeSpan.FromSeconds(30)), proxy.ToString());
                var port = int.Parse(proxy.Stdout.Split(':').Last().Trim(), CultureInfo.InvariantCulture);
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                var page = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/api/v1/namespaces/default/services/{name}:80/proxy/"));
                Assert.Contains("Welcome to nginx!", page, StringComparison.Ordinal);
                var byPortName = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/api/v1/namespaces/default/services/http:{name}:80-80/proxy/"));
                Assert.Contains("Welcome to nginx!", byPortName, StringComparison.Ordinal);
                var podPage = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/api/v1/namespaces/default/pods/{name}/proxy/index.html"));
                Assert.Contains("Welcome to nginx!", podPage, StringComparison.Ordinal);
                using var missingPort = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/api/v1/namespaces/default/services/{name}:81/proxy/"));
                Assert.Equal(503, (int)missingPort.StatusCode);
            }

            var healthz = await RunAsync(["get", "--raw", $"/api/v1/nodes/{SkiffCluster.NodeName}/proxy/healthz"]);
            Assert.Equal("ok", healthz.Stdout.Trim());
            var metrics = await RunAsync(["get", "--raw", $"/api/v1/nodes/{SkiffCluster.NodeName}/proxy/metrics"]);
            Assert.Contains("kubelet_", metrics.Stdout, StringComparison.Ordinal);
            var noNode = await cluster.KubectlAsync(["get", "--raw", "/api/v1/nodes/no-such-node/proxy/healthz"]);
            Assert.Contains("nodes \"no-such-node\" not found", noNode.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "service,endpoints", name, "--ignore-not-found"], TimeSpan.FromSeconds(60));
            await cluster.KubectlAsync(["delete", "pod", name, "--grace-period=1"], TimeSpan.FromSeconds(120));
        }
    }

    private async Task<CommandResult> RunAsync(string[] arguments, TimeSpan? timeout = null)
    {
        var result = await cluster.KubectlAsync(arguments, timeout);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result}\n--- server log:\n{cluster.ReadLog()}");
        return result;
    }
}
