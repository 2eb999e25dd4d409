using Prometheus;

namespace Skiff.ApiServer.Observability;

/// <summary>
/// The API server's Prometheus metrics, named like kube-apiserver's. Each server has its own registry, so two servers
/// in one process (tests) never mix their numbers; nothing is registered in the library's global default registry.
/// </summary>
public sealed class ApiServerMetrics
{
    // kube-apiserver's buckets for request latency and for etcd request latency.
    private static readonly double[] RequestBuckets = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];
    private static readonly double[] StorageBuckets = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

    private readonly Counter _requests;
    private readonly Histogram _requestDuration;
    private readonly Gauge _watchers;
    private readonly Counter _watchRequests;
    private readonly Histogram _storageDuration;

    public ApiServerMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        _requests = factory.CreateCounter(
            "apiserver_request_total",
            "Counter of apiserver requests broken out for each verb, group, version, resource, subresource and HTTP response code.",
            ["verb", "group", "version", "resource", "subresource", "code"]);
        _requestDuration = factory.CreateHistogram(
            "apiserver_request_duration_seconds",
            "Response latency distribution in seconds for each verb, group, version, resource and subresource.",
            ["verb", "group", "version", "resource", "subresource"],
            new HistogramConfiguration { Buckets = RequestBuckets });
        _watchers = factory.CreateGauge(
            "apiserver_registered_watchers",
            "Number of currently registered watchers for a given resource.",
            ["group", "resource"]);
        _watchRequests = factory.CreateCounter(
            "apiserver_watch_requests_total",
            "Number of watch requests served for a given resource.",
            ["group", "resource"]);
        _storageDuration = factory.CreateHistogram(
            "etcd_request_duration_seconds",
            "Storage request latency in seconds for each operation and object type.",
            ["operation", "type"],
            new HistogramConfiguration { Buckets = StorageBuckets });
    }

    /// <summary>This server's registry (scraped by <see cref="WriteAsync"/>).</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Counts a finished request; its latency is recorded unless it was long-running (a watch or a stream).</summary>
    public void ObserveRequest(RequestLabels labels, int code, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        _requests.WithLabels(labels.Verb, labels.Group, labels.Version, labels.Resource, labels.Subresource, code.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        if (!labels.LongRunning)
        {
            _requestDuration.WithLabels(labels.Verb, labels.Group, labels.Version, labels.Resource, labels.Subresource).Observe(elapsed.TotalSeconds);
        }
    }

    /// <summary>Registers a watcher until the returned scope is disposed.</summary>
    public IDisposable TrackWatcher(string group, string resource)
    {
        _watchRequests.WithLabels(group, resource).Inc();
        var gauge = _watchers.WithLabels(group, resource);
        gauge.Inc();
        return new WatcherScope(gauge);
    }

    public void ObserveStorage(string operation, string type, TimeSpan elapsed) =>
        _storageDuration.WithLabels(operation, type).Observe(elapsed.TotalSeconds);

    /// <summary>Writes the Prometheus text exposition (format 0.0.4).</summary>
    public Task WriteAsync(Stream destination, CancellationToken cancellationToken) =>
        Registry.CollectAndExportAsTextAsync(destination, ExpositionFormat.PrometheusText, cancellationToken);

    private sealed class WatcherScope(Gauge.Child gauge) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                gauge.Dec();
            }
        }
    }
}
