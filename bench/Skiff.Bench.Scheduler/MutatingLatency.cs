using System.Globalization;
using k8s;

namespace Skiff.Bench.Scheduler;

/// <summary>
/// The server's own latency of mutating requests (CREATE, UPDATE, PATCH, DELETE: the API SLO's "mutating calls"),
/// from its <c>apiserver_request_duration_seconds</c> histogram on <c>/metrics</c>: a snapshot of the cumulative
/// bucket counts, and the 99th percentile (a bucket bound, as upstream's SLO checks read it) between two snapshots.
/// </summary>
internal sealed class MutatingLatency(IReadOnlyDictionary<double, double> buckets)
{
    private static readonly HashSet<string> Mutating = ["CREATE", "UPDATE", "PATCH", "DELETE"];

    /// <summary>Cumulative count of mutating requests per upper bound (le), summed over resources.</summary>
    public IReadOnlyDictionary<double, double> Buckets { get; } = buckets;

    public static async Task<MutatingLatency> ScrapeAsync(string kubeconfigPath, CancellationToken cancellationToken)
    {
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath));
        var text = await client.HttpClient.GetStringAsync(new Uri(client.BaseUri, "/metrics"), cancellationToken);
        var buckets = new Dictionary<double, double>();
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("apiserver_request_duration_seconds_bucket{", StringComparison.Ordinal))
            {
                continue;
            }

            var verb = Label(line, "verb");
            if (verb is null || !Mutating.Contains(verb))
            {
                continue;
            }

            var le = Label(line, "le")!;
            var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
            var count = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            buckets[bound] = buckets.GetValueOrDefault(bound) + count;
        }

        return new MutatingLatency(buckets);
    }

    /// <summary>Requests and the p99 bucket bound (seconds) of the requests between <paramref name="before"/> and this.</summary>
    public (double Requests, double P99Seconds) Since(MutatingLatency before)
    {
        var deltas = Buckets.OrderBy(b => b.Key).Select(b => (Bound: b.Key, Count: b.Value - before.Buckets.GetValueOrDefault(b.Key))).ToList();
        var total = deltas.Count == 0 ? 0 : deltas[^1].Count;
        if (total == 0)
        {
            return (0, double.NaN);
        }

        var p99 = deltas.First(d => d.Count >= total * 0.99).Bound;
        return (total, p99);
    }

    private static string? Label(string line, string name)
    {
        var at = line.IndexOf("{" + name + "=\"", StringComparison.Ordinal);
        at = at >= 0 ? at : line.IndexOf("," + name + "=\"", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var start = at + name.Length + 3;
        return line[start..line.IndexOf('"', start)];
    }
}
