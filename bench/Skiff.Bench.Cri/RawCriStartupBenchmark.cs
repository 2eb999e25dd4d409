using System.Diagnostics;
using Skiff.Cri;

namespace Skiff.Bench.Cri;

/// <summary>
/// The raw-CRI baseline for pod startup: starts N single-container pods straight through CRI (no API server, no
/// kubelet), one after another or all at once (<see cref="RawCriStartupOptions.Burst"/>), and reports percentiles. Optionally waits for each pod's HTTP port to answer, which
/// is what "pod ready" means for an nginx pod. All pods are removed afterwards.
/// </summary>
public static class RawCriStartupBenchmark
{
    public static async Task<RawCriStartupReport> MeasureAsync(CriConnection cri, RawCriStartupOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cri);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Pods, 1);
        var results = new PodResult?[options.Pods];
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var round = Stopwatch.StartNew();
        try
        {
            if (options.Burst)
            {
                // All pods at once, each measured from the common start: the shape of N pods created together.
                await Task.WhenAll(Enumerable.Range(0, options.Pods).Select(async i =>
                {
                    await Task.Yield();
                    await RunOneAsync(cri, options, http, i, round, results, cancellationToken).ConfigureAwait(false);
                })).ConfigureAwait(false);
            }
            else
            {
                for (var i = 0; i < options.Pods; i++)
                {
                    await RunOneAsync(cri, options, http, i, Stopwatch.StartNew(), results, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            foreach (var result in results)
            {
                if (result is not null)
                {
                    await result.Pod.RemoveAsync(cri, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }

        var done = results.Select(r => r!).ToList();
        return new RawCriStartupReport(
            options.Pods,
            Percentiles.Of(done.Select(r => r.Pod.Timings.RunPodSandbox.TotalMilliseconds).ToList()),
            Percentiles.Of(done.Select(r => r.Pod.Timings.CreateAndStartContainer.TotalMilliseconds).ToList()),
            Percentiles.Of(done.Select(r => r.Started).ToList()),
            options.HttpPort is null ? null : Percentiles.Of(done.Select(r => r.Serving).ToList()));
    }

    /// <summary>Starts pod <paramref name="index"/> and records its times relative to <paramref name="clock"/>.</summary>
    private static async Task RunOneAsync(
        CriConnection cri, RawCriStartupOptions options, HttpClient http, int index, Stopwatch clock, PodResult?[] results, CancellationToken cancellationToken)
    {
        var pod = await RawCriPod.RunAsync(cri, $"bench-{index}", options.Image, options.Command, options.LogRoot, cancellationToken).ConfigureAwait(false);
        var result = new PodResult(pod, clock.Elapsed.TotalMilliseconds);
        results[index] = result;
        if (options.HttpPort is { } port)
        {
            await WaitForHttpAsync(http, new Uri($"http://{pod.PodIp}:{port}/"), cancellationToken).ConfigureAwait(false);
            result.Serving = clock.Elapsed.TotalMilliseconds;
        }
    }

    private sealed class PodResult(RawCriPod pod, double started)
    {
        public RawCriPod Pod { get; } = pod;

        /// <summary>Milliseconds until StartContainer returned.</summary>
        public double Started { get; } = started;

        /// <summary>Milliseconds until the first HTTP answer.</summary>
        public double Serving { get; set; }
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
                catch (TaskCanceledException) when (!timeout.IsCancellationRequested)
                {
                    // This one request hit the client's timeout (a busy machine); ask again.
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
public sealed record RawCriStartupOptions(int Pods, string Image, IReadOnlyList<string>? Command, int? HttpPort, string LogRoot)
{
    /// <summary>Start all pods at once and measure each from the common start (default: one after another, each
    /// measured from its own first call).</summary>
    public bool Burst { get; init; }
}

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
