using System.Collections.Concurrent;
using System.Diagnostics;

namespace Skiff.Bench.Storage;

/// <summary>
/// The same sequence of phases for every target: durable creates, CAS updates, gets, whole-prefix lists of 10k keys and
/// watch delivery latency, each with 1 and with 16 concurrent clients.
/// </summary>
internal sealed class Workload(IBenchTarget target, double scale, Action<string> log)
{
    public const int ListedKeys = 10_000;
    private static readonly TimeSpan PhaseCap = TimeSpan.FromSeconds(15);
    private static readonly byte[] Value = CreateValue(1024);

    public async Task<List<PhaseResult>> RunAsync(CancellationToken cancellationToken)
    {
        var results = new List<PhaseResult>();
        foreach (var writers in new[] { 1, 16 })
        {
            // The 16-writer creates lay down the 10k keys that gets and lists read.
            var count = writers == 16 ? ListedKeys : Scaled(1_000);
            results.Add(await TimedAsync("create", writers, count, (w, i) => target.CreateAsync(CreateKey(writers, w, i), Value, cancellationToken)));
        }

        foreach (var writers in new[] { 1, 16 })
        {
            var revisions = new long[writers];
            for (var w = 0; w < writers; w++)
            {
                revisions[w] = await target.CreateAsync($"/bench/cas{writers}/{w}", Value, cancellationToken);
            }

            results.Add(await TimedAsync("cas-update", writers, Scaled(writers == 1 ? 1_000 : 6_000), async (w, _) =>
                revisions[w] = await target.UpdateAsync($"/bench/cas{writers}/{w}", Value, revisions[w], cancellationToken)));
        }

        var perWriter = ListedKeys / 16;
        foreach (var readers in new[] { 1, 16 })
        {
            results.Add(await TimedAsync("get", readers, Scaled(readers == 1 ? 5_000 : 20_000), (w, i) =>
                target.GetAsync(CreateKey(16, (w + i) % 16, (i * 7919) % perWriter), cancellationToken)));
        }

        foreach (var readers in new[] { 1, 16 })
        {
            results.Add(await TimedAsync("list-10k", readers, readers == 1 ? 10 : 32, async (_, _) =>
            {
                var count = await target.ListAsync("/bench/c16/", cancellationToken);
                if (count != ListedKeys)
                {
                    throw new InvalidOperationException($"{target.Name} listed {count} keys, expected {ListedKeys}");
                }
            }));
        }

        foreach (var writers in new[] { 1, 16 })
        {
            results.Add(await WatchLatencyAsync(writers, Scaled(writers == 1 ? 1_000 : 4_000), cancellationToken));
        }

        return results;
    }

    private async Task<PhaseResult> WatchLatencyAsync(int writers, int count, CancellationToken cancellationToken)
    {
        var prefix = $"/bench/watch{writers}/";
        var started = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var latencies = new ConcurrentQueue<double>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var expected = count / writers * writers;
        var watch = await target.WatchAsync(prefix, key =>
        {
            var now = Stopwatch.GetTimestamp();
            SpinWait spin = default;
            long start;
            while (!started.TryGetValue(key, out start))
            {
                spin.SpinOnce(); // the event can beat the writer's bookkeeping by a hair
            }

            latencies.Enqueue(Stopwatch.GetElapsedTime(start, now).TotalMilliseconds);
            if (latencies.Count == expected)
            {
                all.TrySetResult();
            }
        }, cancellationToken);
        await using (watch)
        {
            var clock = Stopwatch.StartNew();
            var written = await TimedAsync("watch-writes", writers, count, (w, i) =>
            {
                var key = $"{prefix}{w}/{i:D6}";
                started[key] = Stopwatch.GetTimestamp();
                return target.CreateAsync(key, Value, cancellationToken);
            });
            expected = (int)written.Operations;
            if (latencies.Count >= expected)
            {
                all.TrySetResult();
            }

            await all.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return PhaseResult.From("watch-latency", writers, clock.Elapsed, latencies);
        }
    }

    private async Task<PhaseResult> TimedAsync(string name, int concurrency, int total, Func<int, int, Task> operation)
    {
        log($"  {target.Name}: {name} x{concurrency} ({total} ops)");
        var latencies = new List<double>[concurrency];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var mine = new List<double>(total / concurrency);
            for (var i = 0; i < total / concurrency && clock.Elapsed < PhaseCap; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await operation(w, i);
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            latencies[w] = mine;
        })));
        return PhaseResult.From(name, concurrency, clock.Elapsed, latencies.SelectMany(l => l));
    }

    private static string CreateKey(int writers, int writer, int i) => $"/bench/c{writers}/{writer:D2}/{i:D6}";

    private int Scaled(int operations) => Math.Max(16, (int)(operations * scale));

    private static byte[] CreateValue(int size)
    {
        var value = new byte[size];
        new Random(42).NextBytes(value);
        return value;
    }
}
