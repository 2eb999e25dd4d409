namespace Skiff.EndToEnd.Tests.Workloads;

/// <summary>Issue 14 item 4 with the real kubectl: a StatefulSet of two busybox pods behind a headless Service gets
/// web-0 then web-1 (OrderedReady), <c>kubectl rollout status sts/web</c> succeeds, and scaling to one removes web-1.</summary>
[Collection(ClusterCollection.Name)]
public sealed class StatefulSetTests(SkiffCluster cluster)
{
    private const string Namespace = "e2e-statefulset";

    private const string Manifest = """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          clusterIP: None
          selector: {app: web}
          ports: [{port: 80}]
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: web
        spec:
          serviceName: web
          replicas: 2
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: web
                image: busybox
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "sleep 3600"]
        """;

    [SkippableFact]
    public async Task A_statefulset_creates_web_0_then_web_1_rolls_out_and_scales_down_from_the_top()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        await cluster.KubectlAsync(["create", "namespace", Namespace]);
        var manifest = Path.Combine(cluster.DataDirectory, "statefulset.yaml");
        await File.WriteAllTextAsync(manifest, Manifest);
        try
        {
            await RunAsync(["apply", "-n", Namespace, "-f", manifest]);
            var rollout = await RunAsync(["rollout", "status", "sts/web", "-n", Namespace, "--timeout=180s"], TimeSpan.FromSeconds(200));
            Assert.Contains("roll out complete", rollout.Stdout, StringComparison.Ordinal);

            var created = (await RunAsync(["get", "pods", "-n", Namespace, "-l", "app=web", "--sort-by=.metadata.creationTimestamp", "-o",
                "jsonpath={range .items[*]}{.metadata.name}:{.spec.hostname}.{.spec.subdomain} {end}"])).Stdout.Trim();
            Assert.Equal("web-0:web-0.web web-1:web-1.web", created);
            var ready = (await RunAsync(["get", "sts", "web", "-n", Namespace, "--no-headers"])).Stdout;
            Assert.Contains("2/2", ready, StringComparison.Ordinal);

            await RunAsync(["scale", "sts/web", "-n", Namespace, "--replicas=1"]);
            var names = string.Empty;
            for (var deadline = DateTime.UtcNow.AddMinutes(2); names != "web-0" && DateTime.UtcNow < deadline; await Task.Delay(500))
            {
                names = (await RunAsync(["get", "pods", "-n", Namespace, "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}"])).Stdout.Trim();
            }

            Assert.Equal("web-0", names);
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
