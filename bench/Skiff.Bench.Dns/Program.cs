using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Bench.Common;
using Skiff.Networking.Dns;
using Skiff.Networking.EndpointSlices;

// Cluster DNS under load: service lookups (A, ClusterIP Services) at 10,000 Services. The server runs in a child
// process (this program with --serve) answering from in-memory caches filled as the informers would fill them; this
// process sends UDP queries from W concurrent clients for S seconds and reports queries/s, latency percentiles, the
// server's CPU per query (queries per CPU-second = per core) and its resident memory, against CoreDNS's published
// ~17,000 internal queries/s per core and ~0.86 MB per 1,000 objects on a ~49 MB base.
// The objects are shaped as the API serves them and kept as skiff dns keeps them (only what DNS reads: DnsProjection);
// --shared keeps them whole, as a node does whose DNS shares its informers with the service proxy.
// Usage: dotnet run -c Release --project bench/Skiff.Bench.Dns [-- --services 10000 --clients 32 --seconds 10 --shared]
var services = Arg("--services", 10_000);
if (args.Contains("--serve"))
{
    await ServeAsync(services, args.Contains("--shared"));
    return;
}

var clients = Arg("--clients", 32);
var seconds = Arg("--seconds", 10);
var self = typeof(Program).Assembly.Location;
var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
foreach (var a in new[] { self, "--serve", "--services", services.ToString(CultureInfo.InvariantCulture) }.Concat(args.Contains("--shared") ? ["--shared"] : []))
{
    start.ArgumentList.Add(a);
}

using var child = Process.Start(start)!;
var ready = await child.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the server did not start");
var port = int.Parse(ready.Split(' ')[1], CultureInfo.InvariantCulture);
var pid = child.Id.ToString(CultureInfo.InvariantCulture);
var rssIdle = ProcessMemory.RssBytes(pid);
var cachesHeap = long.Parse(ready.Split(' ')[2], CultureInfo.InvariantCulture);
Console.WriteLine($"server pid {pid} on 127.0.0.1:{port} with {services} Services (and a 3-endpoint slice each); {(args.Contains("--shared") ? "whole objects" : "kept as skiff dns keeps them")}; RSS idle {rssIdle / 1048576.0:F1} MiB, of which the caches' heap {cachesHeap / 1048576.0:F1} MiB");

var queries = Enumerable.Range(0, services).Select(i => Query($"svc-{i}.ns-{i % 100}.svc.cluster.local")).ToArray();

// Warm-up (JIT, caches), then the measured run.
var (warmAnswered, _, _, _) = await RunAsync(TimeSpan.FromSeconds(2));
var cpuBefore = ProcessCpu.Total(pid);
var (answered, timeouts, latencies, elapsed) = await RunAsync(TimeSpan.FromSeconds(seconds));
var cpu = ProcessCpu.Total(pid) - cpuBefore;
var rssLoaded = ProcessMemory.RssBytes(pid);
var peak = ProcessMemory.PeakRssBytes(pid);
latencies.Sort();
double P(double q) => latencies.Count == 0 ? 0 : latencies[(int)Math.Min(latencies.Count - 1, q * latencies.Count)] * 1000.0 / Stopwatch.Frequency;
Console.WriteLine($"{answered} answers in {elapsed.TotalSeconds:F1} s from {clients} clients: {answered / elapsed.TotalSeconds:F0} queries/s (client and server share this machine's cores)");
Console.WriteLine($"latency p50 {P(0.50):F3} ms, p99 {P(0.99):F3} ms, p99.9 {P(0.999):F3} ms; {timeouts} timeouts");
Console.WriteLine($"server CPU {cpu.TotalSeconds:F2} s: {answered / cpu.TotalSeconds:F0} queries per CPU-second (per core); CoreDNS ≈17,000 per core");
Console.WriteLine($"server RSS {rssLoaded / 1048576.0:F1} MiB under load (peak {peak / 1048576.0:F1} MiB); CoreDNS's fit for {services} objects: {services * 0.000858 + 49.1:F1} MB");
child.StandardInput.Close();
// The server's own allocations while answering (warm-up included): what drives its GC and its RSS under load.
var gc = (await child.StandardOutput.ReadLineAsync() ?? string.Empty).Split(' ');
await child.WaitForExitAsync();
if (gc is ["GC", var bytes, var gen0, var gen2])
{
    Console.WriteLine($"server allocated {double.Parse(bytes, CultureInfo.InvariantCulture) / (answered + warmAnswered):F0} bytes per query; {gen0} gen0 and {gen2} gen2 collections");
}

async Task<(long Answered, long Timeouts, List<long> Latencies, TimeSpan Elapsed)> RunAsync(TimeSpan duration)
{
    var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    var clock = Stopwatch.StartNew();
    var results = await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
    {
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await udp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        var buffer = new byte[1500];
        var random = new Random(c);
        var latencies = new List<long>(200_000);
        long timeouts = 0;
        ushort id = 0;
        while (Stopwatch.GetTimestamp() < until)
        {
            var query = queries[random.Next(queries.Length)];
            id++;
            query[0] = (byte)(id >> 8);
            query[1] = (byte)id;
            var sent = Stopwatch.GetTimestamp();
            await udp.SendAsync(query, SocketFlags.None);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                while (true)
                {
                    var n = await udp.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
                    if (n >= 12 && buffer[0] == (byte)(id >> 8) && buffer[1] == (byte)id)
                    {
                        break; // a late answer to an earlier (timed-out) query is skipped
                    }
                }

                latencies.Add(Stopwatch.GetTimestamp() - sent);
            }
            catch (OperationCanceledException)
            {
                timeouts++;
            }
        }

        return (latencies, timeouts);
    })));
    var all = results.SelectMany(r => r.latencies).ToList();
    return (all.Count, results.Sum(r => r.timeouts), all, clock.Elapsed);
}

static async Task ServeAsync(int count, bool shared)
{
    var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
    var (data, serviceCache, slices) = ClusterDnsData.InMemory();
    for (var i = 0; i < count; i++)
    {
        // Objects as the API serves them to an informer (managedFields aside, which informers drop), then kept as
        // skiff dns keeps them (DnsProjection), or whole with --shared, as a node's informers shared with its proxy.
        var (service, slice) = AsServed(i);
        serviceCache.Upsert(shared ? service : DnsProjection.Project(service));
        slices.Upsert(shared ? slice : DnsProjection.Project(slice));
    }

    int port;
    using (var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
    {
        port = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
    }

    await using var server = new ClusterDnsServer(data, new ClusterDnsOptions { Listen = [new IPEndPoint(IPAddress.Loopback, port)] }, [], TimeProvider.System, NullLogger.Instance);
    server.Start();
    var cachesHeap = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    var (gen0Before, gen2Before) = (GC.CollectionCount(0), GC.CollectionCount(2));
    Console.WriteLine($"PORT {port} {cachesHeap}");
    await Console.In.ReadToEndAsync(); // until the driver closes stdin
    Console.WriteLine($"GC {GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore} {GC.CollectionCount(0) - gen0Before} {GC.CollectionCount(2) - gen2Before}");
}

static (V1Service Service, V1EndpointSlice Slice) AsServed(int i)
{
    var ns = $"ns-{i % 100}";
    var name = $"svc-{i}";
    var ip = $"10.43.{(i + 100) / 250}.{(i + 100) % 250 + 1}";
    var created = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(i);
    var labels = new Dictionary<string, string> { ["app"] = name };
    var service = new V1Service
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Uid = Guid.NewGuid().ToString(), ResourceVersion = (1000 + (2 * i)).ToString(CultureInfo.InvariantCulture), CreationTimestamp = created, Labels = labels },
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP", ClusterIP = ip, ClusterIPs = [ip], IpFamilies = ["IPv4"], IpFamilyPolicy = "SingleStack", SessionAffinity = "None", InternalTrafficPolicy = "Cluster",
            Selector = new Dictionary<string, string>(labels), Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = 8080 }],
        },
        Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus() },
    };
    var slice = new V1EndpointSlice
    {
        ApiVersion = "discovery.k8s.io/v1",
        Kind = "EndpointSlice",
        Metadata = new V1ObjectMeta
        {
            Name = $"{name}-abcde", GenerateName = $"{name}-", NamespaceProperty = ns, Uid = Guid.NewGuid().ToString(), ResourceVersion = (1001 + (2 * i)).ToString(CultureInfo.InvariantCulture), CreationTimestamp = created, Generation = 1,
            Labels = new Dictionary<string, string> { [EndpointSliceLabels.ServiceName] = name, [EndpointSliceLabels.ManagedBy] = "endpointslice-controller.k8s.io", ["app"] = name },
            Annotations = new Dictionary<string, string> { ["endpoints.kubernetes.io/last-change-trigger-time"] = created.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) },
            OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Service", Name = name, Uid = service.Metadata.Uid, Controller = true, BlockOwnerDeletion = true }],
        },
        AddressType = "IPv4",
        Endpoints = Enumerable.Range(1, 3).Select(e => new V1Endpoint
        {
            Addresses = [$"10.{88 + e}.{i / 250}.{i % 250 + 1}"],
            Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false },
            NodeName = $"node-{e}",
            TargetRef = new V1ObjectReference { Kind = "Pod", NamespaceProperty = ns, Name = $"{name}-7d4b9c-{e:D5}", Uid = Guid.NewGuid().ToString() },
        }).ToList(),
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
    };
    return (service, slice);
}

static byte[] Query(string name)
{
    var bytes = new List<byte> { 0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
    foreach (var label in name.Split('.'))
    {
        bytes.Add((byte)label.Length);
        bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
    }

    bytes.AddRange([0, 0, 1, 0, 1]);
    return [.. bytes];
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
