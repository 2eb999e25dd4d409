using System.Globalization;

namespace Skiff.Bench.Storage;

/// <summary>Prints every figure of both targets side by side with the ratio Skiff / etcd.</summary>
internal static class Report
{
    public static void Print(TextWriter output, IReadOnlyList<PhaseResult> skiff, IReadOnlyList<PhaseResult> etcd, long skiffRss, long etcdRss)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Format(c, "{0,-14} {1,3} | {2,10} {3,10} {4,6} | {5,8} {6,8} {7,6} | {8,8} {9,8} {10,6}",
            "workload", "W", "skiff/s", "etcd/s", "ratio", "skiffp50", "etcdp50", "ratio", "skiffp99", "etcdp99", "ratio"));
        foreach (var s in skiff)
        {
            var e = etcd.Single(r => r.Workload == s.Workload && r.Concurrency == s.Concurrency);
            output.WriteLine(string.Format(c, "{0,-14} {1,3} | {2,10:F0} {3,10:F0} {4,6:F2} | {5,8:F2} {6,8:F2} {7,6:F2} | {8,8:F2} {9,8:F2} {10,6:F2}",
                s.Workload, s.Concurrency,
                s.OperationsPerSecond, e.OperationsPerSecond, s.OperationsPerSecond / e.OperationsPerSecond,
                s.P50Milliseconds, e.P50Milliseconds, s.P50Milliseconds / e.P50Milliseconds,
                s.P99Milliseconds, e.P99Milliseconds, s.P99Milliseconds / e.P99Milliseconds));
        }

        output.WriteLine(string.Format(c, "latencies in ms; ratio = skiff-sqlite / etcd (throughput: higher is better for skiff; latency: lower is)."));
        output.WriteLine(string.Format(c, "peak RSS: skiff-sqlite {0:F0} MiB (whole bench process: runtime + store + client), etcd server {1:F0} MiB, ratio {2:F2}",
            skiffRss / 1048576.0, etcdRss / 1048576.0, (double)skiffRss / etcdRss));
    }
}
