using Skiff.Bench.Common;
using System.Globalization;
using Skiff.Bench.Storage;

// Skiff storage benchmark: the same workload against Skiff's SQLite store and a real etcd started here, reported as
// ratios Skiff / etcd from the same run.
//   dotnet run -c Release --project bench/Skiff.Bench.Storage [-- --etcd /usr/bin/etcd] [--scale 1.0]
var etcdBinary = EtcdProcess.DefaultBinary;
var scale = 1.0;
for (var i = 0; i < args.Length - 1; i += 2)
{
    switch (args[i])
    {
        case "--etcd":
            etcdBinary = args[i + 1];
            break;
        case "--scale":
            scale = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}");
            return 2;
    }
}

if (!File.Exists(etcdBinary))
{
    Console.Error.WriteLine($"etcd not found at {etcdBinary} (Debian package etcd-server)");
    return 1;
}

using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
var ct = timeout.Token;
void Log(string line) => Console.Error.WriteLine(line);

Log("skiff-sqlite (in process, WAL, synchronous=FULL, group commit)");
List<PhaseResult> skiff;
long skiffRss;
await using (var target = await SkiffTarget.StartAsync(ct))
{
    skiff = await new Workload(target, scale, Log).RunAsync(ct);
    skiffRss = target.PeakRssBytes();
}

Log($"etcd ({etcdBinary}, single member, default fsync)");
List<PhaseResult> etcd;
long etcdRss;
await using (var target = await EtcdTarget.StartAsync(etcdBinary, ct))
{
    etcd = await new Workload(target, scale, Log).RunAsync(ct);
    etcdRss = target.PeakRssBytes();
}

Report.Print(Console.Out, skiff, etcd, skiffRss, etcdRss);
return 0;
