using System.Globalization;
using k8s;
using Microsoft.Extensions.Logging;
using Skiff.Bench.PodStartup;
using Skiff.Containerd;
using Skiff.Cri.V1;
using Skiff.Images;

// Usage: Skiff.Bench.PodStartup [--pods 50,200] [--pull-rounds K] [--bridge skiffpb0] [--pod-cidr 10.88.236.0/24] [--skiff-dll PATH]
//                               [--image-cache DIR]
// Needs root (it starts containerd) and a Release build of src/Skiff. Reports, per N, create → Running+Ready and
// create → first HTTP 200 through skiff server, and the raw-CRI floor for the same pod shape on the same containerd.
var options = BenchOptions.Parse(args);
using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var workDir = Directory.CreateTempSubdirectory("skiff-pb-").FullName;
Console.WriteLine($"work dir {workDir}; bridge {options.Bridge} {options.PodCidr}; skiff {options.SkiffDll}");
var exitCode = 0;
try
{
    await using var containerd = await NodeRuntime.StartAsync(
        new ContainerdOptions
        {
            StateDir = Path.Combine(workDir, "containerd"),
            BridgeName = options.Bridge,
            Subnet = options.PodCidr,
            StreamPort = options.StreamPort,
        },
        options.ImageCache,
        loggers.CreateLogger("containerd"),
        stop.Token);
    var cri = containerd.Cri;
    var logRoot = Path.Combine(workDir, "raw-logs");
    using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(1) }) { Timeout = TimeSpan.FromSeconds(2) };

    // The uncontended floor (and warm-up of containerd, the CRI client and the HTTP poller): one pod at a time.
    var sequential = await RawCriStartupBenchmark.MeasureAsync(
        cri, new RawCriStartupOptions(options.SequentialPods, WellKnownImages.Nginx, null, 80, logRoot), stop.Token);

    try
    {
        await using var server = await SkiffServerProcess.StartAsync(
            options.SkiffDll, Path.Combine(workDir, "server"), options.NodeName, containerd.SocketPath, options.PodCidr, options.Bridge, stop.Token);
        using var client = server.CreateClient();
        var rounds = new KubeletRound(client, options.NodeName, http);
        // Warm-up through the kubelet: JIT of the API server's and kubelet's paths.
        await rounds.RunAsync(2, "warmup", stop.Token);

        var report = new Report(Console.Out);
        report.Header(sequential, options.SequentialPods);
        foreach (var n in options.PodCounts)
        {
            var loadBefore = LoadAverage.OneMinute();
            var kubelet = await rounds.RunAsync(n, n.ToString(CultureInfo.InvariantCulture), stop.Token);
            var loadKubelet = LoadAverage.OneMinute();
            await WaitForNoSandboxesAsync(cri, stop.Token);
            var raw = await RawCriStartupBenchmark.MeasureAsync(
                cri, new RawCriStartupOptions(n, WellKnownImages.Nginx, null, 80, logRoot) { Burst = true }, stop.Token);
            var loadRaw = LoadAverage.OneMinute();
            var profile = KubeletLogProfile.Read(server.LogPath, kubelet);
            report.Round(kubelet, profile, raw, sequential, loadBefore, loadKubelet, loadRaw);
        }

        if (options.PullRounds > 0)
        {
            // Last: it removes the node's nginx image to make every pull a cold one.
            await PullComparison.RunAsync(client, rounds, cri, options.ImageCache, options.PullRounds, stop.Token);
        }
    }
    finally
    {
        // The server is stopped by now; a failed round may have left pods: remove them so no shim outlives the run.
        await RemoveAllSandboxesAsync(cri);
    }
}
catch (Exception e)
{
    Console.Error.WriteLine($"pod-startup benchmark failed: {e}");
    exitCode = 1;
}
finally
{
    // containerd and skiff server are stopped by now; the bridge is the last thing this run created.
    await RemoveBridgeAsync(options.Bridge);
    if (!options.KeepWorkDir)
    {
        TryDelete(workDir);
    }
}

return exitCode;

static async Task WaitForNoSandboxesAsync(Skiff.Cri.CriConnection cri, CancellationToken cancellationToken)
{
    // The API only lets a pod go once the kubelet tore it down; this double-checks the runtime before the raw round.
    while ((await cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest(), cancellationToken: cancellationToken)).Items.Count > 0)
    {
        await Task.Delay(200, cancellationToken);
    }
}

static async Task RemoveAllSandboxesAsync(Skiff.Cri.CriConnection cri)
{
    foreach (var sandbox in (await cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest())).Items)
    {
        await cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = sandbox.Id });
        await cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = sandbox.Id });
    }
}

static async Task RemoveBridgeAsync(string bridge)
{
    using var ip = System.Diagnostics.Process.Start("ip", ["link", "del", bridge]);
    if (ip is not null)
    {
        await ip.WaitForExitAsync();
    }
}

static void TryDelete(string path)
{
    try
    {
        Directory.Delete(path, recursive: true);
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"could not remove {path}: {e.Message}");
    }
}
