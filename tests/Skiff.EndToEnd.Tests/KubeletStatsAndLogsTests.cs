namespace Skiff.EndToEnd.Tests;

/// <summary>The kubelet's <c>/stats/summary</c> and <c>/logs/</c> through the API server's nodes/proxy, as
/// <c>kubectl get --raw</c> (and metrics-server, and dashboards) read them.</summary>
[Collection(ClusterCollection.Name)]
public sealed class KubeletStatsAndLogsTests(SkiffCluster cluster)
{
    [SkippableFact]
    public async Task Stats_summary_and_node_logs_answer_through_the_nodes_proxy()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var pod = "stats-" + Guid.NewGuid().ToString("N")[..6];
        var run = await cluster.KubectlAsync(["run", pod, "--image=busybox", "--restart=Never", "--", "sleep", "3600"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        try
        {
            var ready = await cluster.KubectlAsync(["wait", "--for=condition=Ready", $"pod/{pod}", "--timeout=180s"], TimeSpan.FromSeconds(200));
            Assert.True(ready.ExitCode == 0, ready.ToString());
            var raw = await cluster.KubectlAsync(["get", "--raw", $"/api/v1/nodes/{SkiffCluster.NodeName}/proxy/stats/summary"]);
            Assert.True(raw.ExitCode == 0, raw.ToString());
            using var summary = System.Text.Json.JsonDocument.Parse(raw.Stdout);
            Assert.Equal(SkiffCluster.NodeName, summary.RootElement.GetProperty("node").GetProperty("nodeName").GetString());
            var ours = Assert.Single(summary.RootElement.GetProperty("pods").EnumerateArray(), p => p.GetProperty("podRef").GetProperty("name").GetString() == pod);
            Assert.Equal("default", ours.GetProperty("podRef").GetProperty("namespace").GetString());
            var container = Assert.Single(ours.GetProperty("containers").EnumerateArray());
            Assert.Equal(pod, container.GetProperty("name").GetString());
            Assert.True(container.GetProperty("memory").GetProperty("workingSetBytes").GetUInt64() > 0);

            var logs = await cluster.KubectlAsync(["get", "--raw", $"/api/v1/nodes/{SkiffCluster.NodeName}/proxy/logs/"]);
            Assert.True(logs.ExitCode == 0, logs.ToString());
            Assert.StartsWith("<pre>\n", logs.Stdout, StringComparison.Ordinal);
            Assert.Contains("<a href=\"", logs.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "pod", pod, "--grace-period=1"], TimeSpan.FromSeconds(120));
        }
    }
}
