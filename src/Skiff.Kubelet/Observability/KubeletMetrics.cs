using Prometheus;
using Skiff.Cri.V1;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Observability;

/// <summary>
/// The kubelet's Prometheus metrics, named like the real kubelet's: pod start latency, and the running pods and
/// containers as the runtime reports them at scrape time. One registry per kubelet, so two kubelets in one process
/// keep their own numbers.
/// </summary>
public sealed class KubeletMetrics
{
    // The real kubelet's buckets for kubelet_pod_start_duration_seconds.
    private static readonly double[] PodStartBuckets = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];

    private readonly Histogram _podStart;
    private readonly Gauge _runningPods;
    private readonly Gauge _runningContainers;

    public KubeletMetrics(IRuntimeService? runtime)
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        _podStart = factory.CreateHistogram(
            "kubelet_pod_start_duration_seconds",
            "Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run.",
            [],
            new HistogramConfiguration { Buckets = PodStartBuckets });
        _runningPods = factory.CreateGauge("kubelet_running_pods", "Number of pods that have a running pod sandbox.");
        _runningContainers = factory.CreateGauge("kubelet_running_containers", "Number of containers currently running.", ["container_state"]);
        if (runtime is not null)
        {
            Registry.AddBeforeCollectCallback(cancellationToken => RefreshFromRuntimeAsync(runtime, cancellationToken));
        }
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Records how long a pod took from the kubelet first seeing it to running.</summary>
    public void ObservePodStart(TimeSpan elapsed) => _podStart.Observe(elapsed.TotalSeconds);

    /// <summary>Writes the Prometheus text exposition (format 0.0.4).</summary>
    public Task WriteAsync(Stream destination, CancellationToken cancellationToken) =>
        Registry.CollectAndExportAsTextAsync(destination, ExpositionFormat.PrometheusText, cancellationToken);

    private async Task RefreshFromRuntimeAsync(IRuntimeService runtime, CancellationToken cancellationToken)
    {
        var sandboxes = await runtime.ListPodSandboxAsync(null, cancellationToken);
        _runningPods.Set(sandboxes.Count(s => s.State == PodSandboxState.SandboxReady));
        var containers = await runtime.ListContainersAsync(null, cancellationToken);
        foreach (var (state, label) in new[]
                 {
                     (ContainerState.ContainerCreated, "created"),
                     (ContainerState.ContainerRunning, "running"),
                     (ContainerState.ContainerExited, "exited"),
                     (ContainerState.ContainerUnknown, "unknown"),
                 })
        {
            _runningContainers.WithLabels(label).Set(containers.Count(c => c.State == state));
        }
    }
}
