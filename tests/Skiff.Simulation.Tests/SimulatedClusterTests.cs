using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Apimachinery;
using Skiff.ApiServer;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Controllers;
using Skiff.Scheduler;
using Skiff.Storage.Memory;

namespace Skiff.Simulation.Tests;

/// <summary>A real API server (in-process, over HTTPS) with the scheduler, the controllers and 20 simulated nodes
/// on one shared context, as <c>skiff server --simulate-nodes 20</c> runs them: a Deployment's pods are placed and
/// Running, a cordoned node gets none, a deleted pod goes away.</summary>
public sealed class SimulatedClusterTests
{
    [Fact]
    public async Task A_Deployment_runs_on_simulated_nodes_avoiding_a_cordoned_one_and_a_deleted_pod_goes_away()
    {
        var dir = Path.Combine(Path.GetTempPath(), "skiff-sim-" + Guid.NewGuid().ToString("N")[..8]);
        await using var store = new MemoryStore();
        await using var server = await ApiServer.ApiServer.StartAsync(
            new ApiServerOptions { DataDirectory = dir, Resources = ResourceCatalog.CreateBuiltIn().All, Port = 0 },
            store, NullLoggerFactory.Instance, CancellationToken.None);
        using var api = ApiClients.FromKubeconfig(server.KubeconfigPath);
        var context = ComponentContext.Create(api, TimeProvider.System, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        context.Informers.Start(stop.Token);
        var simulation = new SimulationOptions { Count = 20 };
        var components = new[]
        {
            SimulationHost.RunAsync(simulation, context, stop.Token),
            SchedulerHost.RunAsync(new SchedulerOptions { LeaderElect = false }, context, stop.Token),
            ControllerManagerHost.RunAsync(new ControllerManagerOptions { LeaderElect = false }, context, stop.Token),
        };
        try
        {
            await WaitAsync(async () => (await ReadyNodes(api)).Count == 20, "20 Ready nodes");
            // A node registers (Ready) and then takes its Lease, as a kubelet does: the last Leases may come a moment
            // after the last node turned Ready.
            await WaitAsync(
                async () => (await api.ListAsync<V1Lease>(new ListOptions { Namespace = "kube-node-lease" }, default)).Items
                    .Count(l => l.Spec.HolderIdentity?.StartsWith("sim-node-", StringComparison.Ordinal) == true) == 20,
                "a Lease per node");
            var zones = (await ReadyNodes(api)).GroupBy(n => n.Metadata.Labels["topology.kubernetes.io/zone"]).ToList();
            Assert.Equal(3, zones.Count);

            var cordoned = (await api.GetAsync<V1Node>(null, "sim-node-7", default))!;
            cordoned.Spec.Unschedulable = true;
            await api.UpdateAsync(cordoned, default);
            await WaitAsync(() => Task.FromResult(context.Informers.Get<V1Node>().Cache.Get(null, "sim-node-7")?.Spec?.Unschedulable == true), "the cordon seen");

            await api.CreateAsync(Deployment("web", replicas: 40), default);
            await WaitAsync(async () => (await Pods(api)).Count(IsRunningAndReady) == 40, "40 Running pods");
            var pods = await Pods(api);
            Assert.All(pods, p => Assert.StartsWith("sim-node-", p.Spec.NodeName, StringComparison.Ordinal));
            Assert.DoesNotContain(pods, p => p.Spec.NodeName == "sim-node-7");
            Assert.Equal(40, pods.Select(p => p.Status.PodIP).Distinct().Count());
            Assert.All(pods, p => Assert.StartsWith("10.128.", p.Status.PodIP, StringComparison.Ordinal));

            // Deleted with a short grace period: the simulated node removes it when that is over; the ReplicaSet
            // replaces it.
            var victim = pods[0];
            await api.DeleteAsync<V1Pod>("default", victim.Metadata.Name, new V1DeleteOptions { GracePeriodSeconds = 1 }, default);
            await WaitAsync(async () => await api.GetAsync<V1Pod>("default", victim.Metadata.Name, default) is null, "the deleted pod gone");
            await WaitAsync(async () => (await Pods(api)).Count(IsRunningAndReady) == 40, "the replacement Running");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(components.Select(async c =>
            {
                try
                {
                    await c;
                }
                catch (OperationCanceledException)
                {
                }
            }));
            await context.DisposeAsync();
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static bool IsRunningAndReady(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null && pod.Status?.Phase == "Running"
        && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static async Task<List<V1Node>> ReadyNodes(IApiClient api) =>
        (await api.ListAsync<V1Node>(new ListOptions(), default)).Items
            .Where(n => n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
            .ToList();

    private static async Task<IReadOnlyList<V1Pod>> Pods(IApiClient api) =>
        (await api.ListAsync<V1Pod>(new ListOptions { Namespace = "default" }, default)).Items;

    private static V1Deployment Deployment(string name, int replicas) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "web", Image = "nginx", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m") } } }] },
            },
        },
    };

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail("timed out waiting for " + what);
            }

            await Task.Delay(100);
        }
    }
}
