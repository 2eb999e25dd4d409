using System.Diagnostics;
using System.Globalization;
using k8s.Models;
using Skiff.Bench.Common;
using Skiff.Client.Api;

// The controller manager end to end, ClusterLoader2's density shape in small: D Deployments of M replicas created
// against the real skiff server (a child process, in-memory store) running its controllers, scheduler and N simulated
// nodes (--simulate-nodes), all at once or paced at --rate pods/s (ClusterLoader2's saturation phase creates at a set
// rate). Measured: the time until every Deployment's ReplicaSet reports all replicas ready (pods created by the
// ReplicaSet controller, bound by the scheduler, Running on simulated nodes), as pods/s, against upstream's default
// controller-manager rate (client QPS 20: ~20 pods/s per ReplicaSet path) and ClusterLoader2's load rates (10 pods/s
// default, 50 in the 5k-node jobs); pod startup latency (create -> Running, p50/p90/p99 against the 5 s SLO); with
// --rollout, a rolling update of every Deployment until each is complete; then the deletion of every Deployment with
// background cascading (garbage collector) until no pod is left, and of the namespace. Server CPU per pod and RSS
// are reported.
// Before measuring, a warm-up Deployment of --warmup pods (default 2,000; 0: none) goes the same way (created, Running,
// deleted): the server JIT-compiles its hot paths in its first ~15 s (~6 s of CPU on this machine), which would
// otherwise be charged to the first thousands of measured pods. The warm-up's own figures are printed as the cold
// server's.
// Usage: dotnet run -c Release --project bench/Skiff.Bench.Controllers [-- --nodes 100 --deployments 30 --replicas 30]
// [--rate P] [--rollout] [--warmup N] [--audit] (the server keeps an audit log at Metadata level; refused requests are
// counted by user, verb and resource)
// Issue 14's shapes: --nodes 1000 --deployments 1 --replicas 30000 --rollout (one big Deployment), and
// --nodes 5000 --deployments 5000 --replicas 30 --rate 250 (the 150k density envelope).
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("usage: Skiff.Bench.Controllers [--nodes N (100)] [--deployments D (30)] [--replicas M (30)] [--rate P (0: all at once)] [--rollout] [--warmup N (2000; 0: none)] [--audit]");
    return;
}

var nodes = Arg("--nodes", 100);
var deployments = Arg("--deployments", 30);
var replicas = Arg("--replicas", 30);
var total = deployments * replicas;
var rate = Arg("--rate", 0);
var rollout = args.Contains("--rollout");
var warmup = Arg("--warmup", 2000);
const double StartupSloSeconds = 5; // the Kubernetes pod startup SLO: p99 <= 5 s
const double UpstreamDefaultPodsPerSecond = 20; // kube-controller-manager client QPS 20, one POST per pod
const double ClusterLoaderLoadRate = 50; // CL2_LOAD_TEST_THROUGHPUT of the 5k-node jobs

var serverArgs = new List<string> { "--disable-dns", "--simulate-nodes", nodes.ToString(CultureInfo.InvariantCulture) };
var auditDir = args.Contains("--audit") ? Directory.CreateTempSubdirectory("skiff-bench-audit-").FullName : null;
if (auditDir is not null)
{
    File.WriteAllText(Path.Combine(auditDir, "policy.yaml"), "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n");
    serverArgs.AddRange(["--audit-policy-file", Path.Combine(auditDir, "policy.yaml"), "--audit-log-path", Path.Combine(auditDir, "audit.log")]);
}

await using var server = await ServerProcess.StartAsync("memory", null, CancellationToken.None, [.. serverArgs]);
using var api = ApiClients.FromKubeconfig(server.KubeconfigPath);
Console.WriteLine($"skiff server pid {server.Pid}; {nodes} simulated nodes, {deployments} Deployments x {replicas} replicas = {total} pods; {Environment.ProcessorCount} cores");

await WaitAsync(async () => (await api.ListAsync<V1Node>(new ListOptions(), default)).Items.Count(Ready) >= nodes, TimeSpan.FromMinutes(5), $"{nodes} Ready nodes");
const string Ns = "density";
if (warmup > 0)
{
    await WarmUpAsync(warmup);
}

await api.CreateAsync(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = Ns } }, default);
await WaitAsync(async () => await api.GetAsync<V1ServiceAccount>(Ns, "default", default) is not null, TimeSpan.FromMinutes(1), "the default service account");

await using var startup = await PodStartupWatch.StartAsync(api, Ns, default);
var cpuBefore = ProcessCpu.Total(server.Pid);
var startedAt = Stopwatch.GetTimestamp();
var clock = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, deployments), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
{
    // Paced: Deployment i is due once the replicas of the i before it have had their time at --rate pods/s.
    var due = rate > 0 ? TimeSpan.FromSeconds((double)i * replicas / rate) : TimeSpan.Zero;
    if (due > clock.Elapsed)
    {
        await Task.Delay(due - clock.Elapsed, ct);
    }

    await api.CreateAsync(Deployment($"web-{i:D4}", replicas), ct);
});
var created = clock.Elapsed;
// The list of every ReplicaSet is asked for only once the watch has seen every pod Running: at 5,000 Deployments,
// listing them four times a second was load of the bench's own on the server it measures.
await WaitAsync(
    async () => startup.Running >= total
        && (await api.ListAsync<V1ReplicaSet>(new ListOptions { Namespace = Ns }, default)).Items.Count(rs => rs.Status?.ReadyReplicas == replicas) >= deployments,
    TimeSpan.FromSeconds(Math.Max(300, total / 2)),
    $"{deployments} ready ReplicaSets");
var ready = clock.Elapsed;
var cpu = ProcessCpu.Total(server.Pid) - cpuBefore;
var podsPerSecond = total / ready.TotalSeconds;
Console.WriteLine($"create: {deployments} Deployments sent in {created.TotalSeconds:F1} s{(rate > 0 ? $" (paced at {rate} pods/s)" : " (all at once)")}; all {deployments} ReplicaSets ready ({total} pods Running) after {ready.TotalSeconds:F1} s = {podsPerSecond:F0} pods/s; " +
    $"ratio to upstream's default controller-manager rate ({UpstreamDefaultPodsPerSecond} pods/s, client QPS 20) {podsPerSecond / UpstreamDefaultPodsPerSecond:F1}, " +
    $"to ClusterLoader2's 5k-node load rate ({ClusterLoaderLoadRate} pods/s) {podsPerSecond / ClusterLoaderLoadRate:F1}; " +
    $"server CPU {cpu.TotalMilliseconds / total:F2} ms per pod; RSS {Mib(ProcessMemory.RssBytes(server.Pid))} MiB (peak {Mib(ProcessMemory.PeakRssBytes(server.Pid))})");
// Issue 14's target counts pods created and scheduled; "ready" above also waits for the simulated kubelets to report
// every pod Running. Both from the same watch, the same start.
if (startup.Scheduled >= total && startup.LastScheduled is { } lastBound)
{
    var boundAfter = Stopwatch.GetElapsedTime(startedAt, lastBound);
    Console.WriteLine($"create: all {total} pods created and scheduled (bound to a node, on the bench's watch) after {boundAfter.TotalSeconds:F1} s = {total / boundAfter.TotalSeconds:F0} pods/s");
}
else
{
    Console.WriteLine($"create: the watch saw {startup.Scheduled} of {total} pods bound: no created-and-scheduled figure");
}

PrintStartup("create");

if (rollout)
{
    startup.Reset();
    cpuBefore = ProcessCpu.Total(server.Pid);
    clock.Restart();
    const string NewTemplate = "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"bench/rollout\":\"1\"}}}}}";
    await Parallel.ForEachAsync(Enumerable.Range(0, deployments), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        await api.PatchAsync<V1Deployment>(Ns, $"web-{i:D4}", ApiPatch.Merge(NewTemplate), ct));
    await WaitAsync(
        async () => startup.Running >= total
            && (await api.ListAsync<V1Deployment>(new ListOptions { Namespace = Ns }, default)).Items.Count(Complete) >= deployments,
        TimeSpan.FromSeconds(Math.Max(600, total)),
        $"{deployments} complete rollouts");
    var rolled = clock.Elapsed;
    cpu = ProcessCpu.Total(server.Pid) - cpuBefore;
    Console.WriteLine($"rollout: {deployments} Deployments updated (RollingUpdate, 25% surge, 25% unavailable) and complete after {rolled.TotalSeconds:F1} s = {total / rolled.TotalSeconds:F0} pods replaced/s; " +
        $"server CPU {cpu.TotalMilliseconds / total:F2} ms per replaced pod; RSS {Mib(ProcessMemory.RssBytes(server.Pid))} MiB");
    PrintStartup("rollout");
}

clock.Restart();
await Parallel.ForEachAsync(Enumerable.Range(0, deployments), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
    await api.DeleteAsync<V1Deployment>(Ns, $"web-{i:D4}", new V1DeleteOptions { PropagationPolicy = "Background" }, ct));
await WaitAsync(
    async () => startup.Live == 0 && (await api.ListAsync<V1ReplicaSet>(new ListOptions { Namespace = Ns }, default)).Items.Count == 0,
    TimeSpan.FromSeconds(Math.Max(300, total / 2)),
    "every pod and ReplicaSet gone");
var collected = clock.Elapsed;
Console.WriteLine($"delete: {deployments} Deployments deleted (background propagation); their {deployments} ReplicaSets and {total} pods gone after {collected.TotalSeconds:F1} s " +
    $"(of it the pods' 30 s termination grace period, which simulated nodes wait out as the issue asks) = {(total + deployments) / collected.TotalSeconds:F0} objects/s " +
    $"(ClusterLoader2's 5k-node delete rate {ClusterLoaderLoadRate} pods/s: ratio {total / collected.TotalSeconds / ClusterLoaderLoadRate:F1})");
clock.Restart();
await api.DeleteAsync<V1Namespace>(null, Ns, null, default);
await WaitAsync(async () => await api.GetAsync<V1Namespace>(null, Ns, default) is null, TimeSpan.FromSeconds(300), "the namespace gone");
Console.WriteLine($"delete: the emptied namespace gone after {clock.Elapsed.TotalSeconds:F1} s");

if (auditDir is not null)
{
    AuditSummary.PrintRefused(Path.Combine(auditDir, "audit.log"));
    Directory.Delete(auditDir, recursive: true);
}

// One Deployment of `count` pods in a namespace of its own, created until Ready, then deleted with the namespace (its
// pods with no grace period, so that the warm-up does not wait out 30 s).
async Task WarmUpAsync(int count)
{
    const string WarmupNs = "warmup";
    await api.CreateAsync(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = WarmupNs } }, default);
    await WaitAsync(async () => await api.GetAsync<V1ServiceAccount>(WarmupNs, "default", default) is not null, TimeSpan.FromMinutes(1), "the warm-up's service account");
    var warmupCpuBefore = ProcessCpu.Total(server.Pid);
    var warmupClock = Stopwatch.StartNew();
    var deployment = Deployment("warmup", count, WarmupNs);
    deployment.Spec.Template.Spec.TerminationGracePeriodSeconds = 0;
    await api.CreateAsync(deployment, default);
    await WaitAsync(
        async () => (await api.ListAsync<V1ReplicaSet>(new ListOptions { Namespace = WarmupNs }, default)).Items.Any(rs => rs.Status?.ReadyReplicas == count),
        TimeSpan.FromSeconds(Math.Max(300, count / 2)),
        "the warm-up ReplicaSet ready");
    var warmupCpu = ProcessCpu.Total(server.Pid) - warmupCpuBefore;
    Console.WriteLine($"warm-up (the cold server): {count} pods Running after {warmupClock.Elapsed.TotalSeconds:F1} s = {count / warmupClock.Elapsed.TotalSeconds:F0} pods/s; " +
        $"server CPU {warmupCpu.TotalMilliseconds / count:F2} ms per pod");
    await api.DeleteAsync<V1Namespace>(null, WarmupNs, null, default);
    await WaitAsync(async () => await api.GetAsync<V1Namespace>(null, WarmupNs, default) is null, TimeSpan.FromSeconds(300), "the warm-up namespace gone");
}

void PrintStartup(string phase)
{
    var latencies = startup.StartupMilliseconds();
    var p99 = PodStartupWatch.Percentile(latencies, 0.99) / 1000;
    var late = startup.SeenLate > 0 ? $", {startup.SeenLate} first seen on a re-list" : string.Empty;
    Console.WriteLine($"{phase}: pod startup (create -> Running on the bench's watch, {latencies.Count} pods{late}) " +
        $"p50 {PodStartupWatch.Percentile(latencies, 0.5) / 1000:F2} s, p90 {PodStartupWatch.Percentile(latencies, 0.9) / 1000:F2} s, p99 {p99:F2} s " +
        $"(SLO p99 {StartupSloSeconds} s: {(p99 <= StartupSloSeconds ? "held" : "not held")})");
}

static bool Complete(V1Deployment d) =>
    d.Status?.ObservedGeneration >= d.Metadata.Generation && d.Status.UpdatedReplicas == d.Spec.Replicas
    && d.Status.Replicas == d.Spec.Replicas && d.Status.AvailableReplicas == d.Spec.Replicas;

static bool Ready(V1Node node) => node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

static V1Deployment Deployment(string name, int replicas, string ns = Ns) => new()
{
    ApiVersion = "apps/v1",
    Kind = "Deployment",
    Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
    Spec = new V1DeploymentSpec
    {
        Replicas = replicas,
        Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
        Template = new V1PodTemplateSpec
        {
            Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container
                    {
                        Name = "pause",
                        Image = "registry.k8s.io/pause:3.10",
                        Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("10Mi") } },
                    },
                ],
            },
        },
    },
};

static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
{
    var until = DateTime.UtcNow + timeout;
    while (!await condition())
    {
        if (DateTime.UtcNow > until)
        {
            throw new TimeoutException("timed out waiting for " + what);
        }

        await Task.Delay(250);
    }
}

static string Mib(long bytes) => (bytes / 1024.0 / 1024).ToString("F0", CultureInfo.InvariantCulture);

int Arg(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
