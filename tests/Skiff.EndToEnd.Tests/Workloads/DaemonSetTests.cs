namespace Skiff.EndToEnd.Tests.Workloads;

/// <summary>Issue 14 item 3 with the real kubectl: a DaemonSet on the one-node cluster gets one pod, pinned to the
/// node and bound there by the scheduler, and <c>kubectl rollout status ds</c> succeeds.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DaemonSetTests(SkiffCluster cluster)
{
    private const string Namespace = "e2e-daemonset";

    private const string Manifest = """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: agent
        spec:
          selector:
            matchLabels: {app: agent}
          template:
            metadata:
              labels: {app: agent}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: agent
                image: busybox
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "sleep 3600"]
        """;

    [SkippableFact]
    public async Task A_daemonset_gets_one_pod_on_the_node_and_rollout_status_succeeds()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        await cluster.KubectlAsync(["create", "namespace", Namespace]);
        var manifest = Path.Combine(cluster.DataDirectory, "daemonset.yaml");
        await File.WriteAllTextAsync(manifest, Manifest);
        try
        {
            await RunAsync(["apply", "-n", Namespace, "-f", manifest]);
            var rollout = await RunAsync(["rollout", "status", "ds/agent", "-n", Namespace, "--timeout=180s"], TimeSpan.FromSeconds(200));
            Assert.Contains("successfully rolled out", rollout.Stdout, StringComparison.Ordinal);

            var nodes = (await RunAsync(["get", "pods", "-n", Namespace, "-l", "app=agent", "-o", "jsonpath={.items[*].spec.nodeName}"])).Stdout.Trim();
            Assert.Equal(SkiffCluster.NodeName, nodes);
            var status = (await RunAsync(["get", "ds", "agent", "-n", Namespace, "-o",
                "jsonpath={.status.desiredNumberScheduled}/{.status.currentNumberScheduled}/{.status.numberReady}/{.status.updatedNumberScheduled}"])).Stdout;
            Assert.Equal("1/1/1/1", status);
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
