using System.Globalization;
using Skiff.Bench.Streaming;
using Skiff.Cri;

// Usage:
//   Skiff.Bench.Streaming [--data-dir DIR] [--runs N] [--size-mb M] [--skiff PATH/skiff.dll]
// With --data-dir it measures the running `skiff server` whose data directory that is; otherwise it starts one
// (bridge and pod subnet from SKIFF_BENCH_BRIDGE / SKIFF_BENCH_POD_CIDR) and stops it at the end.
var options = Arguments.Parse(args);
var inv = CultureInfo.InvariantCulture;
var size = options.SizeMegabytes * 1024L * 1024L;
Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()} ({Environment.ProcessorCount} cores)");

await using var cluster = options.DataDirectory is { } dir
    ? await BenchCluster.AttachAsync(dir)
    : await BenchCluster.StartAsync(options.SkiffDll, Environment.GetEnvironmentVariable("SKIFF_BENCH_BRIDGE") ?? "skiffbench0", Environment.GetEnvironmentVariable("SKIFF_BENCH_POD_CIDR") ?? "10.88.249.0/24");
var suffix = Guid.NewGuid().ToString("N")[..6];
var execPod = "bench-exec-" + suffix;
var filePod = "bench-file-" + suffix;
const int FilePort = 8080;
var manifest = Path.Combine(Path.GetTempPath(), $"skiff-bench-streaming-{suffix}.yaml");
await File.WriteAllTextAsync(manifest, $"""
    apiVersion: v1
    kind: Pod
    metadata: {"{"}name: {execPod}{"}"}
    spec:
      nodeName: {cluster.NodeName}
      containers:
      - {"{"}name: box, image: busybox, command: ["sleep", "3600"]{"}"}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {"{"}name: {filePod}{"}"}
    spec:
      nodeName: {cluster.NodeName}
      containers:
      - name: web
        image: busybox
        command: ["sh", "-c", "mkdir -p /www && head -c {size} /dev/urandom > /www/big && touch /www/ready && exec httpd -f -p {FilePort} -h /www"]
    """);
try
{
    Require(await cluster.KubectlAsync("create", "-f", manifest), "create the bench pods");
    Require(await cluster.KubectlAsync("wait", "--for=condition=Ready", $"pod/{execPod}", $"pod/{filePod}", "--timeout=180s"), "wait for the bench pods");
    while ((await cluster.KubectlAsync("exec", filePod, "--", "test", "-f", "/www/ready")).ExitCode != 0)
    {
        await Task.Delay(500);
    }

    using var cri = CriConnection.Open(cluster.ContainerdSocket);
    var execTarget = await RuntimeTarget.FindAsync(cri, "default", execPod);
    var fileTarget = await RuntimeTarget.FindAsync(cri, "default", filePod);

    Console.WriteLine($"exec of `true`, {options.Runs} runs each after 3 warm-up runs ...");
    await ExecBenchmark.KubectlAsync(cluster, execPod, 3);
    var kubectlExec = await ExecBenchmark.KubectlAsync(cluster, execPod, options.Runs);
    await ExecBenchmark.CSharpClientAsync(cluster, execPod, "box", 3);
    var clientExec = await ExecBenchmark.CSharpClientAsync(cluster, execPod, "box", options.Runs);
    await ExecBenchmark.RuntimeDirectAsync(cri, execTarget, 3);
    var directExec = await ExecBenchmark.RuntimeDirectAsync(cri, execTarget, options.Runs);

    Console.WriteLine($"port-forward: {options.SizeMegabytes} MiB over HTTP/1.0, 3 downloads each ...");
    var kubectlForward = await PortForwardBenchmark.KubectlAsync(cluster, filePod, FilePort, size, 3);
    var directForward = await PortForwardBenchmark.RuntimeDirectAsync(cri, fileTarget, FilePort, size, 3);

    var floor50 = Stats.Median(directExec);
    var floor99 = Stats.Percentile(directExec, 99);
    Console.WriteLine();
    Console.WriteLine("| exec `true` round trip                         | p50 ms | p99 ms | p50 / floor | p99 / floor |");
    Console.WriteLine("|------------------------------------------------|-------:|-------:|------------:|------------:|");
    foreach (var (label, samples) in new[]
             {
                 ("kubectl exec (process, WS v5 → API → kubelet)", kubectlExec),
                 ("C# client in-process (WS v4 → API → kubelet)", clientExec),
                 ("runtime URL direct: CRI Exec + SPDY (floor)", directExec),
             })
    {
        var p50 = Stats.Median(samples);
        var p99 = Stats.Percentile(samples, 99);
        Console.WriteLine(string.Format(inv, "| {0,-46} | {1,6:0.0} | {2,6:0.0} | {3,10:0.00}x | {4,10:0.00}x |", label, p50, p99, p50 / floor50, p99 / floor99));
    }

    Console.WriteLine();
    Console.WriteLine($"| port-forward, {options.SizeMegabytes} MiB download                   | median MB/s | best MB/s | median / runtime |");
    Console.WriteLine("|------------------------------------------------|------------:|----------:|-----------------:|");
    var directMedian = Stats.Median(directForward);
    foreach (var (label, samples) in new[]
             {
                 ("kubectl port-forward (WS/SPDY → API → kubelet)", kubectlForward),
                 ("runtime URL direct: CRI PortForward + SPDY", directForward),
             })
    {
        Console.WriteLine(string.Format(inv, "| {0,-46} | {1,11:0.0} | {2,9:0.0} | {3,15:0.00}x |", label, Stats.Median(samples), samples.Max(), Stats.Median(samples) / directMedian));
    }

    Console.WriteLine();
    Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
    return 0;
}
finally
{
    await cluster.KubectlAsync("delete", "pod", execPod, filePod, "--grace-period=1", "--wait=true");
    File.Delete(manifest);
}

static void Require(Kubectl.Result result, string what)
{
    if (result.ExitCode != 0)
    {
        throw new InvalidOperationException($"{what}: {result.Stderr}");
    }
}
