namespace Skiff.Bench.Proxy;

internal static class Percentile
{
    /// <summary>The nearest-rank percentile <paramref name="q"/> (0..1) of <paramref name="sorted"/>.</summary>
    public static double Of(IReadOnlyList<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(q * sorted.Count) - 1 < 0 ? 0 : Math.Ceiling(q * sorted.Count) - 1)];
}
