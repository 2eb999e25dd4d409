using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Bench.Common;
using Skiff.Client.Api;
using Skiff.Networking.Dns;
using Skiff.Networking.EndpointSlices;

// Cluster DNS under load: service lookups (A, ClusterIP Services) at 10,000 Services, each with an EndpointSlice of
// 3 pod addresses. By default the real thing: a skiff server (in-memory store) holding the Services and slices, and
// `skiff dns --kubeconfig` as its own process answering from its informers, as a user runs it. With --core, only
// the serving core: a child process (this program with --serve) answering from in-memory caches filled as the
// informers would fill them (no API client, no TLS, no informers), which also reports its allocations per query.
// This process sends UDP queries from W concurrent clients for S seconds and reports queries/s, latency percentiles,
// the server's CPU per query (queries per CPU-second = per core) and its resident memory, against CoreDNS's published
// ~17,000 internal queries/s per core and ~0.86 MB per 1,000 objects (pods and Services) on a ~49 MB base.
// The objects are kept as skiff dns keeps them (only what DNS reads: DnsProjection); --core --shared keeps them
// whole, as a node does whose DNS shares its informers with the service proxy.
// --dns-binary PATH runs another build of the same server in skiff dns's place, with the same flags: the native
// .skiff/dns/skiff-dns (scripts/build-skiff-dns.sh).
// Usage: dotnet run -c Release --project bench/Skiff.Bench.Dns [-- --services 10000 --clients 32 --seconds 10]
// [--dns-binary PATH] [--core [--shared]]
var services = Arg("--services", 10_000);
const int EndpointsPerService = 3;
if (args.Contains("--serve"))
{
    await ServeAsync(services, args.Contains("--shared"));
    return;
}

var clients = Arg("--clients", 32);
var seconds = Arg("--seconds", 10);
var core = args.Contains("--core");
var queries = Enumerable.Range(0, services).Select(i => Query($"svc-{i}.ns-{i % 100}.svc.cluster.local")).ToArray();
await using var cluster = core ? null : await ServerProcess.StartAsync("memory", null, CancellationToken.None, "--disable-dns");
var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = !core, RedirectStandardInput = true, UseShellExecute = false };
long cachesHeap = 0;
int port;
Process child;
if (core)
{
    foreach (var a in new[] { typeof(Program).Assembly.Location, "--serve", "--services", services.ToString(CultureInfo.InvariantCulture) }.Concat(args.Contains("--shared") ? ["--shared"] : []))
    {
        start.ArgumentList.Add(a);
    }

    child = Process.Start(start)!;
    var ready = await child.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the server did not start");
    port = int.Parse(ready.Split(' ')[1], CultureInfo.InvariantCulture);
    cachesHeap = long.Parse(ready.Split(' ')[2], CultureInfo.InvariantCulture);
}
else
{
    var populate = Stopwatch.StartNew();
    await PopulateAsync(cluster!, services);
    Console.WriteLine($"skiff server pid {cluster!.Pid}: {services} Services and {services} EndpointSlices created in {populate.Elapsed.TotalSeconds:F1} s");
    port = FreeUdpPort();
    var binary = ArgText("--dns-binary");
    if (binary is not null)
    {
        start.FileName = binary;
    }

    foreach (var a in (binary is null ? new[] { ServerProcess.SkiffDll(), "dns" } : []).Concat(["--kubeconfig", cluster.KubeconfigPath, "--listen", $"127.0.0.1:{port}"]))
    {
        start.ArgumentList.Add(a);
    }

    child = Process.Start(start)!;
    var childLog = new System.Collections.Concurrent.ConcurrentQueue<string>();
    void Keep(string? line)
    {
        if (line is not null)
        {
            childLog.Enqueue(line);
            while (childLog.Count > 40 && childLog.TryDequeue(out var dropped))
            {
            }
        }
    }

    child.OutputDataReceived += (_, e) => Keep(e.Data);
    child.ErrorDataReceived += (_, e) => Keep(e.Data);
    child.BeginOutputReadLine();
    child.BeginErrorReadLine();
    var synced = Stopwatch.StartNew();
    while (!await AnswersAsync(queries[^1]))
    {
        if (child.HasExited || synced.Elapsed > TimeSpan.FromMinutes(2))
        {
            child.Kill();
            Console.Error.WriteLine(string.Join('\n', childLog));
            throw new InvalidOperationException("skiff dns did not answer for the last Service");
        }

        await Task.Delay(200);
    }

    Console.WriteLine($"skiff dns answered for the last Service {synced.Elapsed.TotalSeconds:F1} s after it started");
    await Task.Delay(TimeSpan.FromSeconds(2)); // let start-up settle before the idle figure
}

using var _ = child;
var pid = child.Id.ToString(CultureInfo.InvariantCulture);
var rssIdle = ProcessMemory.RssBytes(pid);
Console.WriteLine(core
    ? $"serving core pid {pid} on 127.0.0.1:{port} with {services} Services (and a {EndpointsPerService}-endpoint slice each); {(args.Contains("--shared") ? "whole objects" : "kept as skiff dns keeps them")}; RSS idle {rssIdle / 1048576.0:F1} MiB, of which the caches' heap {cachesHeap / 1048576.0:F1} MiB"
    : $"skiff dns pid {pid} on 127.0.0.1:{port} with {services} Services (and a {EndpointsPerService}-endpoint slice each); RSS idle {rssIdle / 1048576.0:F1} MiB");

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
// CoreDNS's memory fit counts the cluster's pods and Services (MB = (pods + services) x 0.000858 + 49.1): each
// Service here has a slice of EndpointsPerService pod addresses.
var pods = services * EndpointsPerService;
Console.WriteLine($"server RSS {rssLoaded / 1048576.0:F1} MiB = {rssLoaded / 1e6:F1} MB under load (peak {peak / 1048576.0:F1} MiB); CoreDNS's fit for {services} Services and {pods} pods: {(pods + services) * 0.000858 + 49.1:F1} MB (ratio {rssLoaded / 1e6 / ((pods + services) * 0.000858 + 49.1):F2})");
if (core)
{
    child.StandardInput.Close();
    // The server's own allocations while answering (warm-up included): what drives its GC and its RSS under load.
    var gc = (await child.StandardOutput.ReadLineAsync() ?? string.Empty).Split(' ');
    await child.WaitForExitAsync();
    if (gc is ["GC", var bytes, var gen0, var gen2])
    {
        Console.WriteLine($"server allocated {double.Parse(bytes, CultureInfo.InvariantCulture) / (answered + warmAnswered):F0} bytes per query; {gen0} gen0 and {gen2} gen2 collections");
    }
}
else
{
    child.Kill();
    await child.WaitForExitAsync();
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

// The Services and slices of AsServed as a user creates them: no identity fields, no selector (so that the
// EndpointSlice controller leaves them alone), slices managed by this benchmark.
static async Task PopulateAsync(ServerProcess cluster, int count)
{
    using var api = ApiClients.FromKubeconfig(cluster.KubeconfigPath);
    foreach (var ns in Enumerable.Range(0, Math.Min(count, 100)))
    {
        await api.CreateAsync(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = $"ns-{ns}" } }, CancellationToken.None);
    }

    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
    {
        var (service, slice) = AsServed(i);
        foreach (var metadata in new[] { service.Metadata, slice.Metadata })
        {
            (metadata.Uid, metadata.ResourceVersion, metadata.CreationTimestamp, metadata.Generation, metadata.OwnerReferences) = (null, null, null, null, null);
        }

        service.Spec.Selector = null;
        service.Status = null;
        slice.Metadata.Labels[EndpointSliceLabels.ManagedBy] = "bench.skiff.dev";
        foreach (var endpoint in slice.Endpoints)
        {
            endpoint.TargetRef.Uid = null;
        }

        await api.CreateAsync(service, ct);
        await api.CreateAsync(slice, ct);
    });
}

// Whether the DNS server on `port` answers `query` with at least one record.
async Task<bool> AnswersAsync(byte[] query)
{
    using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    await udp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
    await udp.SendAsync(query, SocketFlags.None);
    var buffer = new byte[1500];
    using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
    try
    {
        var n = await udp.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
        return n >= 12 && (buffer[3] & 0x0F) == 0 && ((buffer[6] << 8) | buffer[7]) > 0;
    }
    catch (Exception e) when (e is OperationCanceledException or SocketException)
    {
        return false; // not listening yet, or not synced
    }
}

static int FreeUdpPort()
{
    using var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
    return ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
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
        Endpoints = Enumerable.Range(1, EndpointsPerService).Select(e => new V1Endpoint
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

string? ArgText(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
