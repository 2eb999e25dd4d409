using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Bench.Common;
using Skiff.Client.Api;
using Skiff.Client.Informers;

// The client layer's cost, against the real skiff server (a child process, in-memory store):
//  1. a pod informer's memory and CPU per 10,000 cached pods, and its time to sync;
//  2. write → handler latency at a paced write rate through the informer, and write → event through a raw watch
//     (the API server's own fan-out) in the same run, so the informer's overhead is the difference.
// Usage: dotnet run -c Release --project bench/Skiff.Bench.Client [-- --pods 10000 --rate 1000 --seconds 10]
var pods = Arg("--pods", 10_000);
var rate = Arg("--rate", 1000);
var seconds = Arg("--seconds", 10);

await using var server = await ServerProcess.StartAsync("memory", null, CancellationToken.None);
using var api = ApiClients.FromKubeconfig(server.KubeconfigPath);
Console.WriteLine($"skiff server pid {server.Pid}; creating {pods} pods...");
await Parallel.ForEachAsync(Enumerable.Range(0, pods), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
    await api.CreateAsync(Pod($"p{i:D6}"), ct));

// 1. Memory and CPU of the informer's initial list and cache.
var process = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
var cpuBefore = ProcessCpu.Total(process);
var clock = Stopwatch.StartNew();
await using var factory = new SharedInformerFactory(api, TimeProvider.System, NullLoggerFactory.Instance);
var informer = factory.Get<V1Pod>();
var seen = new ConcurrentDictionary<string, long>();
informer.AddEventHandler(new ResourceEventHandler<V1Pod> { Updated = (_, pod) => seen[pod.Metadata.Name + "/" + pod.Metadata.Labels?["round"]] = Stopwatch.GetTimestamp() });
using var stop = new CancellationTokenSource();
factory.Start(stop.Token);
await informer.WaitForSyncAsync(stop.Token);
var sync = clock.Elapsed;
var cpuSync = ProcessCpu.Total(process) - cpuBefore;
var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
Console.WriteLine($"informer sync of {informer.Cache.Count} pods: {sync.TotalMilliseconds:F0} ms wall, {cpuSync.TotalMilliseconds:F0} ms CPU " +
    $"({cpuSync.TotalMilliseconds * 1000 / informer.Cache.Count:F0} µs/pod); managed heap +{(heapAfter - heapBefore) / 1024.0 / 1024:F1} MiB " +
    $"({(heapAfter - heapBefore) / (double)informer.Cache.Count / 1024:F2} KiB/pod, {(heapAfter - heapBefore) * 10_000.0 / informer.Cache.Count / 1024 / 1024:F1} MiB per 10,000)");

// 2. Latency at a paced rate: the same writes seen by the informer's handler and by a raw watch.
var raw = new ConcurrentDictionary<string, long>();
var rv = (await api.ListAsync<V1Pod>(new ListOptions { Limit = 1 }, stop.Token)).ResourceVersion;
var rawWatch = Task.Run(async () =>
{
    try
    {
        await foreach (var e in api.WatchAsync<V1Pod>(new WatchOptions { ResourceVersion = rv, TimeoutSeconds = 3600 }, stop.Token))
        {
            if (e.Object is { } pod)
            {
                raw[pod.Metadata.Name + "/" + pod.Metadata.Labels?["round"]] = Stopwatch.GetTimestamp();
            }
        }
    }
    catch (OperationCanceledException)
    {
    }
});
await Task.Delay(500);
var writes = new ConcurrentDictionary<string, (long Sent, long Acked)>();
var total = rate * seconds;
var interval = TimeSpan.FromSeconds(1.0 / rate);
var serverCpuBefore = ProcessCpu.Total(server.Pid);
var clientCpuBefore = ProcessCpu.Total(process);
var start = Stopwatch.GetTimestamp();
var inFlight = new List<Task>();
for (var i = 0; i < total; i++)
{
    var due = start + (long)(i * interval.TotalSeconds * Stopwatch.Frequency);
    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
    if (wait > TimeSpan.FromMilliseconds(1))
    {
        await Task.Delay(wait);
    }

    var name = $"p{i % pods:D6}";
    var round = (i / pods).ToString(CultureInfo.InvariantCulture) + "-" + i.ToString(CultureInfo.InvariantCulture);
    inFlight.Add(Task.Run(async () =>
    {
        var sent = Stopwatch.GetTimestamp();
        var patch = ApiPatch.Merge("{\"metadata\":{\"labels\":{\"round\":\"" + round + "\"}}}");
        await api.PatchAsync<V1Pod>("default", name, patch, stop.Token);
        writes[name + "/" + round] = (sent, Stopwatch.GetTimestamp());
    }));
}

await Task.WhenAll(inFlight);
var achieved = total / Stopwatch.GetElapsedTime(start).TotalSeconds;
var deadline = DateTime.UtcNow.AddSeconds(30);
while ((seen.Count(k => writes.ContainsKey(k.Key)) < total || raw.Count(k => writes.ContainsKey(k.Key)) < total) && DateTime.UtcNow < deadline)
{
    await Task.Delay(100);
}

var serverCpu = ProcessCpu.Total(server.Pid) - serverCpuBefore;
var clientCpu = ProcessCpu.Total(process) - clientCpuBefore;
await stop.CancelAsync();
await rawWatch;

Report("informer handler", seen);
Report("raw watch (server fan-out)", raw);
Console.WriteLine($"writes: {total} at {achieved:F0}/s (asked {rate}/s); server CPU {serverCpu.TotalMilliseconds * 1000 / total:F0} µs/write; " +
    $"bench process CPU {clientCpu.TotalMilliseconds * 1000 / total:F0} µs/write (writer + informer + raw watch)");

void Report(string what, ConcurrentDictionary<string, long> received)
{
    var fromSend = new List<double>();
    var fromAck = new List<double>();
    foreach (var (key, (sent, acked)) in writes)
    {
        if (received.TryGetValue(key, out var at))
        {
            fromSend.Add(Stopwatch.GetElapsedTime(sent, at).TotalMilliseconds);
            fromAck.Add(Math.Max(0, Stopwatch.GetElapsedTime(acked, at).TotalMilliseconds));
        }
    }

    Console.WriteLine($"{what}: {fromSend.Count}/{writes.Count} seen; write sent → seen p50 {P(fromSend, 50):F1} ms, p99 {P(fromSend, 99):F1} ms; " +
        $"write acknowledged → seen p50 {P(fromAck, 50):F1} ms, p99 {P(fromAck, 99):F1} ms");
}

static double P(List<double> values, int percentile)
{
    if (values.Count == 0)
    {
        return double.NaN;
    }

    values.Sort();
    return values[Math.Min(values.Count - 1, (int)Math.Ceiling(percentile / 100.0 * values.Count) - 1)];
}

static V1Pod Pod(string name) => new()
{
    Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["app"] = "bench", ["round"] = "0" } },
    Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m") } } }] },
};

int Arg(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
