namespace Skiff.Bench.Streaming;

/// <summary>Percentiles of a sample of durations (nearest rank).</summary>
internal static class Stats
{
    public static double Percentile(IReadOnlyList<double> values, double percentile)
    {
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);
}
