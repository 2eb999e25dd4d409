namespace Skiff.Bench.Storage;

/// <summary>What one workload phase measured on one target.</summary>
internal sealed record PhaseResult(string Workload, int Concurrency, long Operations, TimeSpan Elapsed, double P50Milliseconds, double P99Milliseconds)
{
    public double OperationsPerSecond => Operations / Elapsed.TotalSeconds;

    public static PhaseResult From(string workload, int concurrency, TimeSpan elapsed, IEnumerable<double> latenciesMilliseconds)
    {
        var sorted = latenciesMilliseconds.Order().ToArray();
        return new PhaseResult(workload, concurrency, sorted.Length, elapsed, Percentile(sorted, 0.50), Percentile(sorted, 0.99));
    }

    private static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
}
