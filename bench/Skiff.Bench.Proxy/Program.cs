using System.Diagnostics;
using System.Globalization;
using Skiff.Bench.Common;
using Skiff.Bench.Proxy;
using Skiff.Networking.Proxy;

// The service proxy at scale, on a real kernel: N Services × E endpoints rendered by Skiff's proxy code
// (ProxyTableState: ProxiedPorts → ProxyRules → NftTransaction/NftChanges) and applied with the real `nft -f -`
// inside a network namespace this program creates (a "node" between a client pod and a server pod namespace; no
// traffic leaves them). It measures (a) the full sync (render + apply: wall time and CPU, ours and nft's, nft's split
// into user time, parsing and evaluating the text, and system time, the kernel) and then C incremental syncs, each
// after one endpoint change, as the proxy does them (the changed Service re-rendered from the caches, its map
// elements rewritten); (b) TCP connect time (SYN to
// SYN-ACK, what a first packet costs) from the client pod to the probe Service's ClusterIP and straight to its
// endpoint, interleaved, with all N Services programmed. Compared with the issue's targets and kube-proxy's anchors
// (../shared/briefs/anchors-wave2.md §3.2). Needs root, ip, nft, python3.
// With --policy-pods N --policies P, every sync also carries the NetworkPolicy chains of N local pods and P policies
// (SyntheticPolicies), and C more incremental syncs each follow one policy edit; the policies a change concerns are
// rendered again (IncrementalPolicyRules, as the node's enforcer does), or all with --full-policy-render.
// Usage: dotnet run -c Release --project bench/Skiff.Bench.Proxy [-- --services 10000 --endpoints 5 --changes 20 --connects 2000 --policy-pods 0 --policies 0 --full-policy-render --render-split]
// The full sync is measured twice: as the first of a process (the JIT compiling as it goes) and again with a new
// proxy state into an emptied table (compiled code); then what starting nft alone costs.
// SKIFF_BENCH_DUMP=DIR writes the last full and incremental transactions there (for `perf record nft -f`).
var services = Arg("--services", 10_000);
var endpoints = Arg("--endpoints", 5);
var changes = Arg("--changes", 20);
var connects = Arg("--connects", 2_000);
var policyPods = Arg("--policy-pods", 0);
var policyCount = Arg("--policies", 0);
var policies = policyPods > 0 && policyCount > 0 ? new SyntheticPolicies(policyPods, policyCount) : null;
const int listenPort = 8080;
var table = ServiceProxyOptions.TableFor("bench-node");
// As the node's enforcer: only the policies a change concerns are rendered again (--full-policy-render: all, as before).
var policyRules = new Skiff.Networking.NetworkPolicy.IncrementalPolicyRules("bench-node");
var fullPolicyRender = args.Contains("--full-policy-render");
var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

await using var network = new BenchNetwork();
await network.CreateAsync();
await network.ListenAsync(listenPort);
var nft = new NftCommand(network.Node);
var cluster = new SyntheticCluster(services, endpoints, BenchNetwork.ServerIp, listenPort);
Console.WriteLine($"{services} Services × {endpoints} endpoints (+1 probe Service) in netns {network.Node}; nft: {(await BenchNetwork.RunAsync("nft", "--version")).Trim()}");
if (policies is not null)
{
    Console.WriteLine($"NetworkPolicy: {policyPods} local pods, {policyCount} policies (each: ingress from one role on a numbered and a named port, an ipBlock with except, egress UDP 53)");
}

// Warm the code paths (JIT) on a small table so that the full sync measures the work, not the compiler.
var warm = new SyntheticCluster(50, endpoints, BenchNetwork.ServerIp, listenPort);
var warmState = new ProxyTableState(table, BenchNetwork.LocalPodCidr);
foreach (var key in warm.Keys)
{
    warmState.Changed(key);
}

var warmSync = warmState.Prepare(k => warm.PortsOf(k, "bench-node"), Base());
await nft.ApplyAsync(warmSync.Text, CancellationToken.None);
warmState.Applied(warmSync);
warm.ReplaceFirstEndpoint(0, 1);
warmState.Changed(warm.KeyOf(0));
await nft.ApplyAsync(warmState.Prepare(k => warm.PortsOf(k, "bench-node"), Base()).Text, CancellationToken.None);

// (a) Full sync: every Service is new to the proxy, as after a start.
var state = new ProxyTableState(table, BenchNetwork.LocalPodCidr);
foreach (var key in cluster.Keys)
{
    state.Changed(key);
}

var full = await SyncAsync();
Console.WriteLine();
Console.WriteLine("## Full sync");
PrintFull(full);

// Once more with the code paths compiled (the first full sync of a process pays the JIT's tiering), from an empty
// table as after a start: a new proxy state, the table deleted first (not timed).
await nft.DeleteTableAsync(table, CancellationToken.None);
state = new ProxyTableState(table, BenchNetwork.LocalPodCidr);
foreach (var key in cluster.Keys)
{
    state.Changed(key);
}

var again = await SyncAsync();
Console.WriteLine();
Console.WriteLine("## Full sync again (JIT warm)");
PrintFull(again);

// --render-split: the render's stages apart, CPU with the JIT warm, a few rounds (GC makes single rounds vary).
if (args.Contains("--render-split"))
{
    for (var round = 0; round < 3; round++)
    {
        var c0 = ProcessCpu.Total(self);
        var ports = cluster.Keys.Select(k => cluster.PortsOf(k, "bench-node")).ToList();
        var c1 = ProcessCpu.Total(self);
        var fragments = ports.Select(p => ProxyRules.ServiceFragment(p, table, BenchNetwork.LocalPodCidr)).ToList();
        var c2 = ProcessCpu.Total(self);
        _ = NftTransaction.Full([Base(), .. fragments]);
        var c3 = ProcessCpu.Total(self);
        var fresh = new ProxyTableState(table, BenchNetwork.LocalPodCidr);
        foreach (var key in cluster.Keys)
        {
            fresh.Changed(key);
        }

        _ = fresh.Prepare(k => cluster.PortsOf(k, "bench-node"), Base());
        var c4 = ProcessCpu.Total(self);
        Console.WriteLine($"render split, CPU ms: caches → ports {(c1 - c0).TotalMilliseconds:F0}, ports → fragments {(c2 - c1).TotalMilliseconds:F0}, fragments → text {(c3 - c2).TotalMilliseconds:F0}; all three in ProxyTableState.Prepare {(c4 - c3).TotalMilliseconds:F0}");
    }
}

// What starting nft costs alone: a transaction that changes nothing (the table exists), as the proxy runs it.
var child0 = ChildCpu.UserAndSystem();
var startClock = Stopwatch.StartNew();
const int starts = 20;
for (var i = 0; i < starts; i++)
{
    await nft.ApplyAsync($"add table ip {table}\n", CancellationToken.None);
}

var child1 = ChildCpu.UserAndSystem();
Console.WriteLine($"nft start, an empty transaction (ip netns exec NS nft -f -, text on stdin): {startClock.Elapsed.TotalMilliseconds / starts:F1} ms wall, {(child1.User + child1.System - child0.User - child0.System).TotalMilliseconds / starts:F1} ms CPU each");

// Incremental syncs, one endpoint change each.
var rows = new List<SyncResult>();
for (var c = 0; c < changes; c++)
{
    var index = (c * 7919) % services;
    cluster.ReplaceFirstEndpoint(index, c);
    state.Changed(cluster.KeyOf(index));
    rows.Add(await SyncAsync());
}

List<double> Sorted(Func<SyncResult, double> f) => [.. rows.Select(f).Order()];
var total = Sorted(r => r.RenderMs + r.ApplyMs);
var render = Sorted(r => r.RenderMs);
var apply = Sorted(r => r.ApplyMs);
Console.WriteLine();
Console.WriteLine($"## Incremental sync after one endpoint change ({changes} changes)");
Console.WriteLine($"render p50 {Percentile.Of(render, 0.5):F1} ms (p99 {Percentile.Of(render, 0.99):F1}), CPU {rows.Average(r => r.RenderCpuMs):F1} ms avg; transaction {rows.Average(r => r.Bytes):F0} bytes avg");
Console.WriteLine($"apply  p50 {Percentile.Of(apply, 0.5):F1} ms (p99 {Percentile.Of(apply, 0.99):F1}), nft CPU {rows.Average(r => r.ApplyUserMs + r.ApplySysMs):F1} ms avg ({rows.Average(r => r.ApplyUserMs):F1} user, {rows.Average(r => r.ApplySysMs):F1} system)");
Console.WriteLine($"total  p50 {Percentile.Of(total, 0.5):F1} ms, p99 {Percentile.Of(total, 0.99):F1} ms: p50 {Percentile.Of(total, 0.5) / 50:F2}× the issue's 50 ms target");

if (policies is not null)
{
    var policyRows = new List<SyncResult>();
    for (var c = 0; c < changes; c++)
    {
        policies.ChangePolicy(c * 31, 1000 + c);
        policyRows.Add(await SyncAsync());
    }

    var policyTotal = policyRows.Select(r => r.RenderMs + r.ApplyMs).Order().ToList();
    Console.WriteLine();
    Console.WriteLine($"## Incremental sync after one NetworkPolicy edit ({changes} edits)");
    Console.WriteLine($"render p50 {Percentile.Of([.. policyRows.Select(r => r.RenderMs).Order()], 0.5):F1} ms, apply p50 {Percentile.Of([.. policyRows.Select(r => r.ApplyMs).Order()], 0.5):F1} ms, transaction {policyRows.Average(r => r.Bytes):F0} bytes avg");
    var policyCpu = policyRows.Select(r => r.RenderCpuMs + r.ApplyUserMs + r.ApplySysMs).Order().ToList();
    Console.WriteLine($"CPU    p50 {Percentile.Of(policyCpu, 0.5):F1} ms, p99 {Percentile.Of(policyCpu, 0.99):F1} ms (render {policyRows.Average(r => r.RenderCpuMs):F1} ms avg, nft {policyRows.Average(r => r.ApplyUserMs + r.ApplySysMs):F1} ms avg)");
    Console.WriteLine($"total  p50 {Percentile.Of(policyTotal, 0.5):F1} ms, p99 {Percentile.Of(policyTotal, 0.99):F1} ms (the issue's bound: applied within 1 s, with the proxy's 1 s min sync period)");
}

// (b) Connect latency through the ClusterIP vs direct, with every Service programmed.
await network.ConnectTimesAsync(Math.Min(200, connects), (SyntheticCluster.ProbeClusterIp, SyntheticCluster.ProbePort), (BenchNetwork.ServerIp, listenPort));
var times = await network.ConnectTimesAsync(connects, (SyntheticCluster.ProbeClusterIp, SyntheticCluster.ProbePort), (BenchNetwork.ServerIp, listenPort));
var viaService = times[0].Order().ToList();
var direct = times[1].Order().ToList();
Console.WriteLine();
Console.WriteLine($"## TCP connect time from a client pod, {connects} each, interleaved, {services + 1} Services programmed (ms)");
Console.WriteLine("| path | p01 | p50 | p90 | p99 |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var (name, list) in new[] { ("ClusterIP", viaService), ("direct to endpoint", direct) })
{
    Console.WriteLine($"| {name} | {Percentile.Of(list, 0.01):F3} | {Percentile.Of(list, 0.5):F3} | {Percentile.Of(list, 0.9):F3} | {Percentile.Of(list, 0.99):F3} |");
}

var d50 = Percentile.Of(viaService, 0.5) - Percentile.Of(direct, 0.5);
var d99 = Percentile.Of(viaService, 0.99) - Percentile.Of(direct, 0.99);
Console.WriteLine($"ClusterIP / direct: p50 {Percentile.Of(viaService, 0.5) / Percentile.Of(direct, 0.5):F2}×, p99 {Percentile.Of(viaService, 0.99) / Percentile.Of(direct, 0.99):F2}×");
Console.WriteLine($"added by the Service: p50 {d50:F3} ms (issue's bound 0.05 ms: {d50 / 0.05:F2}×; kube-proxy nftables p50 0.012 ms: {d50 / 0.012:F1}×; iptables 10k p50 0.059 ms: {d50 / 0.059:F2}×), p99 {d99:F3} ms (nftables p99 0.035 ms)");
await nft.DeleteTableAsync(table, CancellationToken.None);

async Task<SyncResult> SyncAsync()
{
    var cpu0 = ProcessCpu.Total(self);
    var clock = Stopwatch.StartNew();
    var portsClock = new Stopwatch();
    var sync = state.Prepare(
        k =>
        {
            portsClock.Start();
            var ports = cluster.PortsOf(k, "bench-node");
            portsClock.Stop();
            return ports;
        },
        Base());
    var renderMs = clock.Elapsed.TotalMilliseconds;
    var cpu1 = ProcessCpu.Total(self);
    var renderCpu = (cpu1 - cpu0).TotalMilliseconds;
    if (Environment.GetEnvironmentVariable("SKIFF_BENCH_DUMP") is { } dump)
    {
        await File.WriteAllTextAsync(Path.Combine(dump, sync.Full ? "full.nft" : "incremental.nft"), sync.Text);
    }

    var child0 = ChildCpu.UserAndSystem();
    clock.Restart();
    await nft.ApplyAsync(sync.Text, CancellationToken.None);
    var applyMs = clock.Elapsed.TotalMilliseconds;
    var ownApplyCpu = (ProcessCpu.Total(self) - cpu1).TotalMilliseconds;
    state.Applied(sync);
    var child1 = ChildCpu.UserAndSystem();
    return new SyncResult(renderMs, renderCpu, applyMs, (child1.User - child0.User).TotalMilliseconds, (child1.System - child0.System).TotalMilliseconds, sync.Text.Length)
    {
        PortsMs = portsClock.Elapsed.TotalMilliseconds,
        OwnApplyCpuMs = ownApplyCpu,
    };
}

// The table's own chains: the skeleton and, with --policies, the NetworkPolicy chains (as the enforcer adds them).
NftRuleset Base()
{
    // The synthetic ClusterIPs are 10.96.0.0/15's: the table drops the range's unallocated addresses, as a node's does.
    var rules = ProxyRules.NewTable(table, BenchNetwork.LocalPodCidr, serviceCidr: "10.96.0.0/15");
    if (policies is not null && fullPolicyRender)
    {
        Skiff.Networking.NetworkPolicy.PolicyRules.AddTo(rules, policies.Policies, policies.Pods, policies.Namespaces, "bench-node");
    }
    else if (policies is not null)
    {
        policyRules.AddTo(rules, policies.Policies, policies.Pods, policies.Namespaces);
    }

    return rules;
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

void PrintFull(SyncResult r)
{
    Console.WriteLine($"render {r.RenderMs:F0} ms wall, {r.RenderCpuMs:F0} ms CPU ({r.Bytes / 1048576.0:F1} MiB of nft text); of the wall, {r.PortsMs:F0} ms reading the caches into ports, the rest rendering fragments and text");
    Console.WriteLine($"apply  {r.ApplyMs:F0} ms wall, {r.ApplyUserMs + r.ApplySysMs:F0} ms CPU in nft ({r.ApplyUserMs:F0} user: parse and evaluate; {r.ApplySysMs:F0} system: the kernel), {r.OwnApplyCpuMs:F0} ms CPU of ours meanwhile (starting nft, writing its stdin, the GC collecting after the render)");
    var cpu = r.RenderCpuMs + r.OwnApplyCpuMs + r.ApplyUserMs + r.ApplySysMs;
    Console.WriteLine($"total  {r.RenderMs + r.ApplyMs:F0} ms wall ({cpu:F0} ms CPU): {(r.RenderMs + r.ApplyMs) / 1000.0:F2}× the issue's 1 s target; kube-proxy's programming latency p50 at 5,000 nodes ≈ 5 s (KEP-3453; end to end, not one sync); load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
}

internal sealed record SyncResult(double RenderMs, double RenderCpuMs, double ApplyMs, double ApplyUserMs, double ApplySysMs, int Bytes)
{
    public double PortsMs { get; init; }

    public double OwnApplyCpuMs { get; init; }
}
