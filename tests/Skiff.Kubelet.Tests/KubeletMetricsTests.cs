using System.Text;
using Skiff.Kubelet.Observability;
using Skiff.Kubelet.Tests.Fakes;

namespace Skiff.Kubelet.Tests;

/// <summary>The kubelet's metrics over the fake runtime: pod start latency once per pod, running pods and containers.</summary>
public sealed class KubeletMetricsTests
{
    private static async Task<string> ScrapeAsync(KubeletMetrics metrics)
    {
        using var stream = new MemoryStream();
        await metrics.WriteAsync(stream, CancellationToken.None);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public async Task A_started_pod_is_timed_once_and_counted_as_running()
    {
        using var ctx = new KubeletTestContext();
        var metrics = new KubeletMetrics(ctx.Runtime);
        var deps = new Pods.PodSyncDependencies(
            ctx.Options, new Pods.NodeFacts("node-a", "192.0.2.10", 2, 8L << 30), ctx.Runtime, ctx.Images, ctx.Api, ctx.Context.Informers, ctx.Recorder, ctx.Prober, ctx.Time,
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance) { Metrics = metrics };
        var pod = KubeletTestContext.Pod("web", KubeletTestContext.Container("a"), KubeletTestContext.Container("b"));
        var syncer = new Pods.PodSyncer(deps, pod.Metadata.Uid);

        var status = await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.Equal("Running", status.Phase);
        await syncer.SyncAsync(pod, CancellationToken.None);

        var scraped = await ScrapeAsync(metrics);
        Assert.Contains("kubelet_pod_start_duration_seconds_count 1\n", scraped, StringComparison.Ordinal);
        Assert.Contains("kubelet_running_pods 1\n", scraped, StringComparison.Ordinal);
        Assert.Contains("kubelet_running_containers{container_state=\"running\"} 2\n", scraped, StringComparison.Ordinal);
        Assert.Contains("kubelet_running_containers{container_state=\"exited\"} 0\n", scraped, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pod_already_running_when_first_seen_is_not_timed()
    {
        using var ctx = new KubeletTestContext();
        var metrics = new KubeletMetrics(ctx.Runtime);
        var deps = new Pods.PodSyncDependencies(
            ctx.Options, new Pods.NodeFacts("node-a", "192.0.2.10", 2, 8L << 30), ctx.Runtime, ctx.Images, ctx.Api, ctx.Context.Informers, ctx.Recorder, ctx.Prober, ctx.Time,
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance) { Metrics = metrics };
        var pod = KubeletTestContext.Pod("adopted", KubeletTestContext.Container("a"));
        pod.Status = new k8s.Models.V1PodStatus { Phase = "Running" };
        await new Pods.PodSyncer(deps, pod.Metadata.Uid).SyncAsync(pod, CancellationToken.None);

        Assert.Contains("kubelet_pod_start_duration_seconds_count 0\n", await ScrapeAsync(metrics), StringComparison.Ordinal);
    }
}
