using System.Diagnostics;
using Skiff.Cri;

namespace Skiff.Containerd;

/// <summary>
/// The raw-CRI baseline for pod startup: starts N single-container pods one after another straight through CRI
/// (no API server, no kubelet) and reports percentiles. Optionally waits for each pod's HTTP port to answer, which
/// is what "pod ready" means for an nginx pod. All pods are removed afterwards.
/// </summary>
public static class RawCriStartupBenchmark
{
    public static async Task<RawCriStartupReport> MeasureAsync(CriConnection cri, RawCriStartupOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cri);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Pods, 1);
        var pods = new List<RawCriPod>();
        var sandbox = new List<double>();
        var container = new List<double>();
        var started = new List<double>();
        var serving = new List<double>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            for (var i = 0; i < options.Pods; i++)
            {
                var stopwatch = Stopwatch.StartNew();
                var pod = await RawCriPod.RunAsync(cri, $"bench-{i}", options.Image, options.Command, options.LogRoot, cancellationToken).ConfigureAwait(false);
                pods.Add(pod);
                sandbox.Add(pod.Timings.RunPodSandbox.TotalMilliseconds);
                container.Add(pod.Timings.CreateAndStartContainer.TotalMilliseconds);
                started.Add(pod.Timings.Total.TotalMilliseconds);
                if (options.HttpPort is { } port)
                {
                    await WaitForHttpAsync(http, new Uri($"http://{pod.PodIp}:{port}/"), cancellationToken).ConfigureAwait(false);
                    serving.Add(stopwatch.Elapsed.TotalMilliseconds);
                }
            }
        }
        finally
        {
            foreach (var pod in pods)
            {
                await pod.RemoveAsync(cri, CancellationToken.None).ConfigureAwait(false);
            }
        }

        return new RawCriStartupReport(
            options.Pods,
            Percentiles.Of(sandbox),
            Percentiles.Of(container),
            Percentiles.Of(started),
            serving.Count > 0 ? Percentiles.Of(serving) : null);
    }

    private static async Task WaitForHttpAsync(HttpClient http, Uri uri, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            while (true)
            {
                try
                {
                    // Any HTTP answer means the server is up (busybox httpd answers 404 for a directory).
                    using var response = await http.GetAsync(uri, timeout.Token).ConfigureAwait(false);
                    return;
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(5, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{uri} did not answer within 30 s.");
        }
    }
}

/// <param name="Image">Image of the single container, e.g. nginx.</param>
/// <param name="Command">Command override; null keeps the image's entrypoint.</param>
/// <param name="HttpPort">When set, each pod counts as serving once GET http://podIP:port/ gets any HTTP response.</param>
/// <param name="LogRoot">Directory for the pods' CRI log directories (removed with the pods).</param>
public sealed record RawCriStartupOptions(int Pods, string Image, IReadOnlyList<string>? Command, int? HttpPort, string LogRoot);

/// <summary>Milliseconds per phase: RunPodSandbox, Create+StartContainer, both, and until HTTP 200 (if asked).</summary>
public sealed record RawCriStartupReport(int Pods, Percentiles RunPodSandbox, Percentiles CreateAndStartContainer, Percentiles PodStarted, Percentiles? HttpReady);

/// <summary>Median, 90th and 99th percentile (nearest rank) and maximum of a sample, in milliseconds.</summary>
public sealed record Percentiles(double P50, double P90, double P99, double Max)
{
    public static Percentiles Of(IReadOnlyCollection<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            throw new ArgumentException("No samples.", nameof(samples));
        }

        var sorted = samples.Order().ToArray();
        return new Percentiles(Rank(sorted, 0.50), Rank(sorted, 0.90), Rank(sorted, 0.99), sorted[^1]);
    }

    private static double Rank(double[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];

    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"p50 {P50:0} / p90 {P90:0} / p99 {P99:0} / max {Max:0} ms");
}
