using System.Diagnostics;
using System.Globalization;
using k8s.Models;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;
using Skiff.Simulation;

namespace Skiff.Bench.Scheduler;

/// <summary>
/// The scheduling algorithm alone: a <see cref="SchedulerCache"/> of simulated nodes (the simulation's labels and
/// capacity), then per shape <c>init</c> placed and <c>pods</c> measured pods, each through one cycle as the
/// scheduler runs it (PodInfo, Schedule, AssumePod under the cache lock). Reports wall and process CPU per pod,
/// bytes allocated per pod and, with breakdown, the time spent in each plugin phase.
/// </summary>
internal static class AlgorithmBench
{
    public static void Run(int nodeCount, int measured, int init, IReadOnlyList<string> shapes, bool breakdown, int parallelism)
    {
        Console.WriteLine($"algorithm micro-benchmark: {nodeCount} nodes, {init} placed + {measured} measured pods per shape, parallelism {parallelism}, {Environment.ProcessorCount} cores");
        var options = new SimulationOptions { Count = nodeCount };
        foreach (var shape in shapes)
        {
            var cache = new SchedulerCache();
            for (var i = 0; i < nodeCount; i++)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"sim-{i:D5}");
                cache.AddOrUpdateNode(Node(name, options.Zones[i % options.Zones.Count], options));
            }

            var (filters, scorers) = SchedulingAlgorithm.DefaultPlugins();
            var timings = new Dictionary<string, PhaseTiming>(StringComparer.Ordinal);
            if (breakdown)
            {
                filters = filters.Select(f => (IFilterPlugin)new TimedFilter(f, Timing(timings, f.Name))).ToList();
                scorers = scorers.Select(s => (IScorePlugin)new TimedScorer(s, Timing(timings, s.Name))).ToList();
            }

            var algorithm = new SchedulingAlgorithm(filters, scorers, parallelism);
            var shapeMeasured = shape == "anti" ? Math.Min(measured, nodeCount * 2 / 5) : measured;
            Place(cache, algorithm, shape, "init", init);
            foreach (var t in timings.Values)
            {
                t.Reset();
            }

            GC.Collect();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            var unscheduled = Place(cache, algorithm, shape, "m", shapeMeasured);
            wall.Stop();
            var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{shape}: {shapeMeasured} pods in {wall.Elapsed.TotalSeconds:F2} s = {shapeMeasured / wall.Elapsed.TotalSeconds:F0} pods/s wall; CPU {cpuUsed.TotalMilliseconds / shapeMeasured:F3} ms per pod; " +
                $"{bytes / shapeMeasured / 1024.0:F1} KiB allocated per pod; {unscheduled} unschedulable"));
            foreach (var (name, t) in timings.OrderByDescending(kv => kv.Value.Total))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-18} prefilter {Ms(t.PreFilter, shapeMeasured)} filter {Ms(t.Filter, shapeMeasured)} prescore {Ms(t.PreScore, shapeMeasured)} score {Ms(t.Score, shapeMeasured)} ms/pod (filter/score summed over threads)"));
            }
        }
    }

    /// <summary>A node as the simulation registers it: its labels and capacity.</summary>
    private static V1Node Node(string name, string zone, SimulationOptions options)
    {
        var capacity = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(options.Cpu),
            ["memory"] = new(options.Memory),
            ["pods"] = new(options.Pods.ToString(CultureInfo.InvariantCulture)),
            ["ephemeral-storage"] = new("1Ti"),
        };
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["kubernetes.io/hostname"] = name,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["beta.kubernetes.io/os"] = "linux",
            ["beta.kubernetes.io/arch"] = "amd64",
            [SimulationOptions.MarkerLabel] = SimulationOptions.MarkerValue,
            ["topology.kubernetes.io/zone"] = zone,
        };
        return new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1NodeSpec(),
            Status = new V1NodeStatus { Capacity = capacity, Allocatable = new Dictionary<string, ResourceQuantity>(capacity) },
        };
    }

    private static int Place(SchedulerCache cache, SchedulingAlgorithm algorithm, string shape, string prefix, int count)
    {
        var unscheduled = 0;
        for (var i = 0; i < count; i++)
        {
            var pod = BenchPods.Pod("bench-" + shape, string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i:D6}"), shape);
            pod.Metadata.Uid = Guid.NewGuid().ToString();
            var info = new PodInfo(pod);
            lock (cache.Lock)
            {
                var result = algorithm.Schedule(info, cache.Nodes, cache.Indexes);
                if (result.Node is null)
                {
                    unscheduled++;
                    continue;
                }

                cache.AssumePod(info, result.Node.Name);
            }
        }

        return unscheduled;
    }

    private static PhaseTiming Timing(Dictionary<string, PhaseTiming> timings, string name)
    {
        if (!timings.TryGetValue(name, out var t))
        {
            timings[name] = t = new PhaseTiming();
        }

        return t;
    }

    private static string Ms(long ticks, int pods) => (ticks * 1000.0 / Stopwatch.Frequency / pods).ToString("F3", CultureInfo.InvariantCulture);

    private sealed class PhaseTiming
    {
        public long PreFilter;
        public long Filter;
        public long PreScore;
        public long Score;

        public long Total => PreFilter + Filter + PreScore + Score;

        public void Reset() => PreFilter = Filter = PreScore = Score = 0;
    }

    private sealed class TimedFilter(IFilterPlugin inner, PhaseTiming timing) : IFilterPlugin
    {
        public string Name => inner.Name;

        public FilterFailure? PreFilter(PodInfo pod, NodeInfo[] nodes, CycleState state)
        {
            var start = Stopwatch.GetTimestamp();
            var result = inner.PreFilter(pod, nodes, state);
            timing.PreFilter += Stopwatch.GetTimestamp() - start;
            return result;
        }

        public FilterFailure? Filter(PodInfo pod, NodeInfo node, CycleState state)
        {
            var start = Stopwatch.GetTimestamp();
            var result = inner.Filter(pod, node, state);
            Interlocked.Add(ref timing.Filter, Stopwatch.GetTimestamp() - start);
            return result;
        }
    }

    private sealed class TimedScorer(IScorePlugin inner, PhaseTiming timing) : IScorePlugin
    {
        public string Name => inner.Name;

        public int Weight => inner.Weight;

        public bool PreScore(PodInfo pod, NodeInfo[] feasible, CycleState state)
        {
            var start = Stopwatch.GetTimestamp();
            var result = inner.PreScore(pod, feasible, state);
            timing.PreScore += Stopwatch.GetTimestamp() - start;
            return result;
        }

        public long Score(PodInfo pod, NodeInfo node, CycleState state)
        {
            var start = Stopwatch.GetTimestamp();
            var result = inner.Score(pod, node, state);
            Interlocked.Add(ref timing.Score, Stopwatch.GetTimestamp() - start);
            return result;
        }

        public void Normalize(PodInfo pod, Span<long> scores, CycleState state) => inner.Normalize(pod, scores, state);
    }
}
