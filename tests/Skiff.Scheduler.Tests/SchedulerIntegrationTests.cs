using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Apimachinery;
using Skiff.ApiServer;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Storage.Memory;
using static Skiff.Scheduler.Tests.Fixtures;

namespace Skiff.Scheduler.Tests;

/// <summary>The scheduler against a real API server (in-process, over HTTPS) with node objects and no kubelets:
/// placement, cordon, resources, the FailedScheduling message and condition, and a pending pod placed once a node
/// changes.</summary>
public sealed class SchedulerIntegrationTests
{
    [Fact]
    public async Task Pods_are_bound_to_fitting_nodes_and_an_unschedulable_pod_waits_for_a_change()
    {
        var dir = Path.Combine(Path.GetTempPath(), "skiff-sched-" + Guid.NewGuid().ToString("N")[..8]);
        await using var store = new MemoryStore();
        await using var server = await ApiServer.ApiServer.StartAsync(
            new ApiServerOptions { DataDirectory = dir, Resources = ResourceCatalog.CreateBuiltIn().All, Port = 0 },
            store, NullLoggerFactory.Instance, CancellationToken.None);
        using var api = ApiClients.FromKubeconfig(server.KubeconfigPath);
        foreach (var node in new[] { Node("n1", cpu: "8", unschedulable: true), Node("n2"), Node("n3") })
        {
            var status = node.Status;
            var created = await api.CreateAsync(node, default);
            created.Status = status;
            await api.UpdateStatusAsync(created, default);
        }

        var context = ComponentContext.Create(api, TimeProvider.System, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        context.Informers.Start(stop.Token);
        var run = SchedulerHost.RunAsync(new SchedulerOptions(), context, stop.Token);
        try
        {
            for (var i = 0; i < 6; i++)
            {
                await api.CreateAsync(Pod($"p{i}", cpu: "1"), default);
            }

            await WaitAsync(async () => (await api.ListAsync<V1Pod>(new ListOptions { Namespace = "default" }, default)).Items.All(p => !string.IsNullOrEmpty(p.Spec.NodeName)), "six bound pods");
            var pods = (await api.ListAsync<V1Pod>(new ListOptions { Namespace = "default" }, default)).Items;
            Assert.All(pods, p => Assert.NotEqual("n1", p.Spec.NodeName));
            Assert.All(pods.GroupBy(p => p.Spec.NodeName), g => Assert.True(g.Count() <= 4));
            Assert.All(pods, p => Assert.Contains(p.Status.Conditions, c => c.Type == "PodScheduled" && c.Status == "True"));
            await WaitAsync(async () => (await Events(api, "p0")).Any(e => e.Reason == "Scheduled"), "the Scheduled event");
            var scheduled = (await Events(api, "p0")).Single(e => e.Reason == "Scheduled");
            Assert.Equal($"Successfully assigned default/p0 to {pods.Single(p => p.Metadata.Name == "p0").Spec.NodeName}", scheduled.Message);
            Assert.Equal("default-scheduler", scheduled.Source.Component);

            // Too big for the two open nodes, and n1 is cordoned.
            await api.CreateAsync(Pod("big", cpu: "5"), default);
            await WaitAsync(async () => (await Events(api, "big")).Any(e => e.Reason == "FailedScheduling"), "FailedScheduling");
            var failed = (await Events(api, "big")).First(e => e.Reason == "FailedScheduling");
            Assert.Equal("Warning", failed.Type);
            Assert.StartsWith("0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.", failed.Message, StringComparison.Ordinal);
            await WaitAsync(async () => (await api.GetAsync<V1Pod>("default", "big", default))!.Status.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "Unschedulable") == true, "the Unschedulable condition");

            // Uncordoning n1 (8 cpu) is a cluster event that makes it fit.
            var n1 = (await api.GetAsync<V1Node>(null, "n1", default))!;
            n1.Spec.Unschedulable = null;
            await api.UpdateAsync(n1, default);
            await WaitAsync(async () => (await api.GetAsync<V1Pod>("default", "big", default))!.Spec.NodeName == "n1", "big on n1");
        }
        finally
        {
            await stop.CancelAsync();
            await run;
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

    [Fact]
    public async Task A_pod_waits_for_its_claim_and_is_placed_once_the_claim_is_bound_with_the_schedulers_own_identity()
    {
        var dir = Path.Combine(Path.GetTempPath(), "skiff-sched-" + Guid.NewGuid().ToString("N")[..8]);
        await using var store = new MemoryStore();
        await using var server = await ApiServer.ApiServer.StartAsync(
            new ApiServerOptions { DataDirectory = dir, Resources = ResourceCatalog.CreateBuiltIn().All, Port = 0 },
            store, NullLoggerFactory.Instance, CancellationToken.None);
        using var api = ApiClients.FromKubeconfig(server.KubeconfigPath);
        var node = Node("n1");
        var status = node.Status;
        var created = await api.CreateAsync(node, default);
        created.Status = status;
        await api.UpdateStatusAsync(created, default);

        // The scheduler as upstream's runs it: system:kube-scheduler, with system:volume-scheduler for the claims.
        var (certificate, key) = server.Certificates.IssueClientCertificate("system:kube-scheduler", [], TimeProvider.System);
        var kubeconfig = Path.Combine(dir, "scheduler.yaml");
        await Skiff.ApiServer.Security.KubeconfigWriter.WriteAsync(
            kubeconfig, Skiff.ApiServer.Security.KubeconfigWriter.Render(server.Address.ToString().TrimEnd('/'), server.Certificates.CaPem, certificate, key), default);
        using var schedulerApi = ApiClients.FromKubeconfig(kubeconfig);
        var context = ComponentContext.Create(schedulerApi, TimeProvider.System, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        context.Informers.Start(stop.Token);
        var run = SchedulerHost.RunAsync(new SchedulerOptions(), context, stop.Token);
        try
        {
            var pod = Pod("db");
            pod.Spec.Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data" } }];
            await api.CreateAsync(pod, default);
            await WaitAsync(async () => (await Events(api, "db")).Any(e => e.Reason == "FailedScheduling"), "FailedScheduling");
            var failed = (await Events(api, "db")).First(e => e.Reason == "FailedScheduling");
            // A PreFilter verdict stands alone in upstream's message, not counted per node.
            Assert.Equal(
                "0/1 nodes are available: persistentvolumeclaim \"data\" not found. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
                failed.Message);

            // An unbound claim of no class keeps it waiting, with upstream's reason.
            await api.CreateAsync(new V1PersistentVolumeClaim
            {
                Metadata = new V1ObjectMeta { Name = "data", NamespaceProperty = "default" },
                Spec = new V1PersistentVolumeClaimSpec
                {
                    StorageClassName = string.Empty,
                    AccessModes = ["ReadWriteOnce"],
                    Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
                },
            }, default);
            await WaitAsync(
                async () => (await Events(api, "db")).Any(e => e.Message == "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."),
                "FailedScheduling for the unbound claim");
            Assert.True(string.IsNullOrEmpty((await api.GetAsync<V1Pod>("default", "db", default))!.Spec.NodeName));

            // Bound to a volume (by hand: there is no volume binder yet), the claim lets the pod in.
            await api.CreateAsync(new V1PersistentVolume
            {
                Metadata = new V1ObjectMeta { Name = "pv-1" },
                Spec = new V1PersistentVolumeSpec
                {
                    AccessModes = ["ReadWriteOnce"],
                    Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") },
                    HostPath = new V1HostPathVolumeSource { Path = "/tmp/pv-1" },
                    ClaimRef = new V1ObjectReference { NamespaceProperty = "default", Name = "data" },
                },
            }, default);
            var claim = (await api.GetAsync<V1PersistentVolumeClaim>("default", "data", default))!;
            claim.Spec.VolumeName = "pv-1";
            await api.UpdateAsync(claim, default);
            await WaitAsync(async () => (await api.GetAsync<V1Pod>("default", "db", default))!.Spec.NodeName == "n1", "db on n1");
        }
        finally
        {
            await stop.CancelAsync();
            await run;
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

    private static async Task<IReadOnlyList<Corev1Event>> Events(IApiClient api, string pod) =>
        (await api.ListAsync<Corev1Event>(new ListOptions { Namespace = "default", FieldSelector = $"involvedObject.name={pod}" }, default)).Items;

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
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
