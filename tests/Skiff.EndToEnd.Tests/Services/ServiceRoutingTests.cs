using System.Globalization;

namespace Skiff.EndToEnd.Tests.Services;

/// <summary>
/// Issue 15's remaining end-to-end cases with the real kubectl and real containers: a headless Service answers every
/// ready pod's address in DNS, <c>sessionAffinity: ClientIP</c> keeps one client on one pod, <c>kubectl port-forward
/// svc/...</c> reaches a pod behind the Service, and a pod whose readiness probe starts failing is marked not ready
/// in the Service's EndpointSlice and gets no more of its traffic. Each nginx pod serves its own name as its page, so
/// a client sees which pod answered.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ServiceRoutingTests(SkiffCluster cluster)
{
    [SkippableFact]
    public async Task Headless_dns_client_ip_affinity_and_port_forward_to_a_service()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var ns = "svc-routing-" + Guid.NewGuid().ToString("N")[..5];
        await StartAsync(ns);
        try
        {
            var pods = await PodsAsync(ns);
            Assert.Equal(2, pods.Count);

            // Headless: one A record per ready pod (the lookup goes to the node's cluster DNS).
            await EventuallyAsync(async () =>
            {
                var lookup = await cluster.KubectlAsync(["exec", "client", "-n", ns, "--", "nslookup", $"web-headless.{ns}.svc.cluster.local"]);
                return pods.All(p => lookup.Stdout.Contains("Address: " + p.Ip, StringComparison.Ordinal)) ? null : lookup.ToString();
            });

            // kube-dns has an endpoint the proxy routes to: the cluster DNS address, served on every node.
            var dns = await RunAsync(["get", "endpointslices", "-n", "kube-system", "-l", "kubernetes.io/service-name=kube-dns", "-o",
                "jsonpath={.items[*].endpoints[*].addresses[0]} {.items[*].ports[*].port}"]);
            Assert.Equal("10.43.0.10 53 53", dns.Stdout.Trim());

            // ClientIP affinity: twenty requests from one pod land on one pod; without it they spread over both.
            var sticky = await PagesAsync(ns, "web-sticky", 20);
            Assert.Single(sticky.Distinct());
            Assert.Contains(sticky[0], pods.Select(p => p.Name));
            // Eventually, as upstream's e2e polls until every endpoint has answered: the wait in PagesAsync ends at the
            // first answer, which may come while the proxy has programmed one endpoint of the two (CI saw 20 of 20 on one).
            await EventuallyAsync(async () =>
            {
                var spread = (await PagesAsync(ns, "web", 20)).Distinct().Order().ToList();
                return spread.SequenceEqual(pods.Select(p => p.Name).Order()) ? null : "pages from " + string.Join(", ", spread);
            });

            // kubectl port-forward svc/web LOCAL:80 picks a pod of the Service and forwards to its target port.
            var local = LoopbackPort.Free();
            await using var forward = RunningCommand.Start("kubectl", ["--kubeconfig", cluster.KubeconfigPath, "--cache-dir", cluster.KubectlCacheDirectory,
                "port-forward", "-n", ns, "svc/web", $"{local}:80"]);
            Assert.True(await forward.WaitForStdoutAsync("Forwarding from", TimeSpan.FromSeconds(30)), forward.ToString());
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            var page = (await http.GetStringAsync(new Uri($"http://127.0.0.1:{local}/"))).Trim();
            Assert.Contains(page, pods.Select(p => p.Name));
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "namespace", ns, "--wait=false"]);
        }
    }

    [SkippableFact]
    public async Task A_pod_that_stops_being_ready_leaves_the_endpointslice_and_the_services_traffic()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var ns = "svc-ready-" + Guid.NewGuid().ToString("N")[..5];
        await StartAsync(ns);
        try
        {
            var pods = await PodsAsync(ns);
            var (failing, healthy) = (pods[0], pods[1]);
            var readiness = new[] { "get", "endpointslices", "-n", ns, "-l", "kubernetes.io/service-name=web", "-o",
                $"jsonpath={{.items[*].endpoints[?(@.addresses[0]==\"{failing.Ip}\")].conditions.ready}}" };
            Assert.Equal("true", (await RunAsync(readiness)).Stdout.Trim());

            // The readiness probe is `cat /tmp/ready` every second: removing the file fails it.
            await RunAsync(["exec", failing.Name, "-n", ns, "--", "rm", "/tmp/ready"]);
            await EventuallyAsync(async () =>
            {
                var ready = (await cluster.KubectlAsync(readiness)).Stdout.Trim();
                return ready == "false" ? null : $"ready={ready}";
            });
            var endpoints = await RunAsync(["get", "endpoints", "web", "-n", ns, "-o", "jsonpath={.subsets[*].addresses[*].ip}|{.subsets[*].notReadyAddresses[*].ip}"]);
            Assert.Equal($"{healthy.Ip}|{failing.Ip}", endpoints.Stdout.Trim());

            // The node's proxy follows within its sync period: then every request goes to the ready pod.
            await EventuallyAsync(async () =>
            {
                var pages = await PagesAsync(ns, "web", 20);
                return pages.All(p => p == healthy.Name) ? null : string.Join(',', pages);
            });

            // Ready again: back in the slice.
            await RunAsync(["exec", failing.Name, "-n", ns, "--", "touch", "/tmp/ready"]);
            await EventuallyAsync(async () =>
            {
                var ready = (await cluster.KubectlAsync(readiness)).Stdout.Trim();
                return ready == "true" ? null : $"ready={ready}";
            });
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "namespace", ns, "--wait=false"]);
        }
    }

    /// <summary>Two nginx pods (page: the pod's name; ready while /tmp/ready exists), the Services web, web-headless
    /// and web-sticky over them, and a busybox client pod.</summary>
    private async Task StartAsync(string ns)
    {
        await RunAsync(["create", "namespace", ns]);
        var manifest = Path.Combine(cluster.DataDirectory, ns + ".yaml");
        await File.WriteAllTextAsync(manifest, $$$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: {{{ns}}}}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: nginx
                    image: nginx
                    command: ["sh", "-c", "hostname > /usr/share/nginx/html/index.html && touch /tmp/ready && exec nginx -g 'daemon off;'"]
                    readinessProbe:
                      exec: {command: ["cat", "/tmp/ready"]}
                      periodSeconds: 1
                      timeoutSeconds: 5
                      failureThreshold: 1
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: {{{ns}}}}
            spec:
              selector: {app: web}
              ports: [{port: 80}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web-headless, namespace: {{{ns}}}}
            spec:
              clusterIP: None
              selector: {app: web}
              ports: [{port: 80}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web-sticky, namespace: {{{ns}}}}
            spec:
              selector: {app: web}
              sessionAffinity: ClientIP
              ports: [{port: 80}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: client, namespace: {{{ns}}}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: client
                image: busybox
                command: ["sleep", "3600"]
            """);
        await RunAsync(["apply", "-f", manifest]);
        await RunAsync(["rollout", "status", "deployment/web", "-n", ns, "--timeout=180s"], TimeSpan.FromSeconds(200));
        await RunAsync(["wait", "--for=condition=Ready", "pod/client", "-n", ns, "--timeout=180s"], TimeSpan.FromSeconds(200));
    }

    private async Task<List<(string Name, string Ip)>> PodsAsync(string ns)
    {
        var listed = await RunAsync(["get", "pods", "-n", ns, "-l", "app=web", "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.podIP}{\"\\n\"}{end}"]);
        return [.. listed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).Select(p => (p[0], p[1])).Order()];
    }

    /// <summary>The pages of <paramref name="count"/> requests to <paramref name="service"/> from the client pod.</summary>
    private async Task<List<string>> PagesAsync(string ns, string service, int count)
    {
        // No -T: Debian's busybox 1.35 wget crashes on it.
        // First wait (up to 20 s) for the proxy to program the Service, as upstream's e2e waits for a Service to be
        // reachable: until then the ClusterIP is not translated and the connection leaves the node.
        var script = string.Create(CultureInfo.InvariantCulture,
            $"for j in $(seq 40); do wget -q -O /dev/null http://{service} 2>/dev/null && break; sleep 0.5; done; for i in $(seq {count}); do wget -qO- http://{service}; done");
        var result = await RunAsync(["exec", "client", "-n", ns, "--", "sh", "-c", script], TimeSpan.FromSeconds(120));
        var pages = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim()).ToList();
        Assert.True(pages.Count == count, result.ToString());
        return pages;
    }

    /// <summary>Retries <paramref name="attempt"/> (null: done; else what it saw) for up to 60 s.</summary>
    private async Task EventuallyAsync(Func<Task<string?>> attempt)
    {
        string? seen = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            seen = await attempt();
            if (seen is null)
            {
                return;
            }
        }

        Assert.Fail($"not reached within 60 s; last seen: {seen}\n--- server log:\n{cluster.ReadLog()}");
    }

    private async Task<CommandResult> RunAsync(string[] arguments, TimeSpan? timeout = null)
    {
        var result = await cluster.KubectlAsync(arguments, timeout);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result}\n--- server log:\n{cluster.ReadLog()}");
        return result;
    }
}
