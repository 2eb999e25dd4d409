using Skiff.Bench.Api;
using Skiff.Bench.Common;

// Usage: Skiff.Bench.Api [sqlite|etcd|memory ...]   (default: sqlite etcd)
// Runs the real `skiff server --disable-agent` on each store in turn (etcd: a real single-member etcd started here)
// and drives it over HTTPS.
var storages = args.Length > 0 ? args : ["sqlite", "etcd"];
Console.WriteLine($"cores {Environment.ProcessorCount}, load average {File.ReadAllText("/proc/loadavg").Trim()}");
foreach (var storage in storages)
{
    await using var etcd = storage == "etcd" ? EtcdProcess.Start(EtcdProcess.DefaultBinary) : null;
    if (etcd is not null)
    {
        await etcd.WaitHealthyAsync(CancellationToken.None);
    }

    await using var server = await ServerProcess.StartAsync(storage, etcd?.ClientUrl, CancellationToken.None);
    Console.WriteLine($"--- skiff server on {storage} ({server.Address})");
    await LoadBenchmark.RunAsync(server.Address, server.DataDirectory, server.Pid);
}

return 0;
