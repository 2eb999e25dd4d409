using System.Diagnostics;
using System.Globalization;
using k8s.Models;
using Skiff.Bench.Common;
using Skiff.Client.Api;

// The controller manager end to end, ClusterLoader2's density shape in small: D Deployments of M replicas created at
// once against the real skiff server (a child process, in-memory store) running its controllers, scheduler and N
// simulated nodes (--simulate-nodes). Measured: the time until every Deployment's ReplicaSet reports all replicas
// ready (pods created by the ReplicaSet controller, bound by the scheduler, Running on simulated nodes), as pods/s,
// against upstream's default controller-manager rate (client QPS 20: ~20 pods/s per ReplicaSet path) and
// ClusterLoader2's load rates (10 pods/s default, 50 in the 5k-node jobs); then the namespace deletion of all of it
// (namespace controller + garbage collector) until the namespace is gone. Server CPU per pod and RSS are reported.
// Usage: dotnet run -c Release --project bench/Skiff.Bench.Controllers [-- --nodes 100 --deployments 30 --replicas 30]
// [--audit] (the server keeps an audit log at Metadata level; refused requests are counted by user, verb and resource)
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("usage: Skiff.Bench.Controllers [--nodes N (100)] [--deployments D (30)] [--replicas M (30)] [--audit]");
    return;
}

var nodes = Arg("--nodes", 100);
var deployments = Arg("--deployments", 30);
var replicas = Arg("--replicas", 30);
var total = deployments * replicas;
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
await api.CreateAsync(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = Ns } }, default);
await WaitAsync(async () => await api.GetAsync<V1ServiceAccount>(Ns, "default", default) is not null, TimeSpan.FromMinutes(1), "the default service account");

var cpuBefore = ProcessCpu.Total(server.Pid);
var clock = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, deployments), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
    await api.CreateAsync(Deployment($"web-{i:D3}", replicas), ct));
var created = clock.Elapsed;
var readySets = 0;
await WaitAsync(async () =>
{
    var sets = (await api.ListAsync<V1ReplicaSet>(new ListOptions { Namespace = Ns }, default)).Items;
    readySets = sets.Count(rs => rs.Status?.ReadyReplicas == replicas);
    return readySets >= deployments;
}, TimeSpan.FromSeconds(Math.Max(300, total / 2)), $"{deployments} ready ReplicaSets");
var ready = clock.Elapsed;
var cpu = ProcessCpu.Total(server.Pid) - cpuBefore;
var podsPerSecond = total / ready.TotalSeconds;
Console.WriteLine($"create: {deployments} Deployments sent in {created.TotalSeconds:F1} s; all {deployments} ReplicaSets ready ({total} pods Running) after {ready.TotalSeconds:F1} s = {podsPerSecond:F0} pods/s; " +
    $"ratio to upstream's default controller-manager rate ({UpstreamDefaultPodsPerSecond} pods/s, client QPS 20) {podsPerSecond / UpstreamDefaultPodsPerSecond:F1}, " +
    $"to ClusterLoader2's 5k-node load rate ({ClusterLoaderLoadRate} pods/s) {podsPerSecond / ClusterLoaderLoadRate:F1}; " +
    $"server CPU {cpu.TotalMilliseconds / total:F2} ms per pod; RSS {Mib(ProcessMemory.RssBytes(server.Pid))} MiB (peak {Mib(ProcessMemory.PeakRssBytes(server.Pid))})");

clock.Restart();
await api.DeleteAsync<V1Namespace>(null, Ns, null, default);
await WaitAsync(async () => await api.GetAsync<V1Namespace>(null, Ns, default) is null, TimeSpan.FromSeconds(Math.Max(300, total / 2)), "the namespace gone");
var deleted = clock.Elapsed;
Console.WriteLine($"delete: namespace with {deployments} Deployments, {deployments} ReplicaSets, {total} pods gone after {deleted.TotalSeconds:F1} s = {(total + 2 * deployments) / deleted.TotalSeconds:F0} objects/s " +
    $"(ClusterLoader2's 5k-node delete rate {ClusterLoaderLoadRate} pods/s: ratio {total / deleted.TotalSeconds / ClusterLoaderLoadRate:F1})");

if (auditDir is not null)
{
    AuditSummary.PrintRefused(Path.Combine(auditDir, "audit.log"));
    Directory.Delete(auditDir, recursive: true);
}

static bool Ready(V1Node node) => node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

static V1Deployment Deployment(string name, int replicas) => new()
{
    ApiVersion = "apps/v1",
    Kind = "Deployment",
    Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns },
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
