using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client;
using Skiff.Kubelet.Nodes;
using Skiff.Kubelet.Tests.Fakes;
using Skiff.Testing;

namespace Skiff.Kubelet.Tests;

public sealed class NodeAgentTests : IDisposable
{
    private static readonly HostInfo Host = new()
    {
        Hostname = "vm", InternalIp = "192.0.2.2", CpuCount = 2, MemoryBytes = 8L << 30, EphemeralStorageBytes = 100L << 30,
        KernelVersion = "6.1.0", OsImage = "Debian GNU/Linux 12 (bookworm)", MachineId = "m", BootId = "b", SystemUuid = "",
    };

    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeApiClient api;
    private readonly ComponentContext context;
    private readonly CancellationTokenSource stop = new();

    private readonly FakeResourceSource resources = new();

    public NodeAgentTests()
    {
        api = new FakeApiClient(time);
        context = ComponentContext.Create(api, time, NullLoggerFactory.Instance);
        context.Informers.Get<V1Node>(NodeAgent.ForNode("node-a"));
        context.Informers.Start(stop.Token);
    }

    public void Dispose()
    {
        stop.Cancel();
        stop.Dispose();
    }

    private V1Node StoredNode => api.Peek<V1Node>(null, "node-a")!;

    private NodeAgent Agent(KubeletOptions options) => new(
        api,
        context.Informers.Get<V1Node>(NodeAgent.ForNode("node-a")).Cache,
        context.Events.NewRecorder("kubelet", "node-a"),
        new FakeRuntimeService(time),
        new NodeStatusBuilder(options, Host, new NodePressureMonitor(resources, options.EvictionHard, time), time),
        options,
        time,
        NullLogger<NodeAgent>.Instance);

    [Fact]
    public async Task Without_pod_cidr_the_node_registers_with_none_and_the_range_the_cluster_gives_is_waited_for()
    {
        var options = new KubeletOptions { NodeName = "node-a" };
        await Agent(options).RegisterAsync(CancellationToken.None);
        Assert.Null(StoredNode.Spec?.PodCIDR);

        var informer = context.Informers.Get<V1Node>(NodeAgent.ForNode("node-a"));
        var waiting = NodePodCidr.WaitAsync(informer, "node-a", CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        // The node IPAM controller's patch.
        await api.PatchAsync<V1Node>(null, "node-a", Client.Api.ApiPatch.Merge("{\"spec\":{\"podCIDR\":\"10.42.3.0/24\",\"podCIDRs\":[\"10.42.3.0/24\"]}}"), CancellationToken.None);
        Assert.Equal("10.42.3.0/24", await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        // Already known: at once.
        Assert.Equal("10.42.3.0/24", await NodePodCidr.WaitAsync(informer, "node-a", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Pod_cidr_only_fills_an_empty_range_of_an_existing_node()
    {
        api.Seed(new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = "node-a" }, Spec = new V1NodeSpec { PodCIDR = "10.42.0.0/24", PodCIDRs = ["10.42.0.0/24"] } });

        await Agent(new KubeletOptions { NodeName = "node-a", PodCidr = "10.88.0.0/24" }).RegisterAsync(CancellationToken.None);

        Assert.Equal("10.42.0.0/24", StoredNode.Spec.PodCIDR);
    }

    [Fact]
    public async Task Registration_creates_the_node_and_posts_its_status_through_the_subresource()
    {
        var options = new KubeletOptions { NodeName = "node-a", PodCidr = "10.88.0.0/24" };
        options.NodeLabels["tier"] = "edge";

        await Agent(options).RegisterAsync(CancellationToken.None);

        Assert.Equal(["get nodes /node-a", "create nodes /node-a"], api.Calls.Where(c => c.Resource == "nodes" && c.Verb is not ("list" or "watch")).Take(2).Select(c => c.ToString()));
        Assert.Contains(api.Calls, c => c is { Verb: "update", Resource: "nodes", Subresource: "status" });
        var node = StoredNode;
        Assert.Equal("node-a", node.Metadata.Labels["kubernetes.io/hostname"]);
        Assert.Equal("linux", node.Metadata.Labels["kubernetes.io/os"]);
        Assert.Equal("amd64", node.Metadata.Labels["kubernetes.io/arch"]);
        Assert.Equal("edge", node.Metadata.Labels["tier"]);
        Assert.Equal("10.88.0.0/24", node.Spec.PodCIDR);
        var status = node.Status;
        Assert.Equal("110", status.Capacity["pods"].ToString());
        Assert.Equal("2", status.Allocatable["cpu"].ToString());
        Assert.Equal(8m * 1024 * 1024 * 1024, status.Capacity["memory"].ToDecimal());
        Assert.Equal("containerd://1.6.20~ds1", status.NodeInfo.ContainerRuntimeVersion);
        Assert.StartsWith("v1.32.", status.NodeInfo.KubeletVersion);
        Assert.Equal(["InternalIP", "Hostname"], status.Addresses.Select(a => a.Type));
        var ready = status.Conditions.Single(c => c.Type == "Ready");
        Assert.Equal(("True", "KubeletReady", "kubelet is posting ready status"), (ready.Status, ready.Reason, ready.Message));
        Assert.Equal(
            ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"],
            status.Conditions.Select(c => c.Type));
    }

    [Fact]
    public async Task Heartbeats_renew_the_lease_owned_by_the_node_and_keep_transition_times()
    {
        var options = new KubeletOptions { NodeName = "node-a", NodeStatusUpdateFrequency = TimeSpan.FromSeconds(10) };
        var agent = Agent(options);
        await agent.RegisterAsync(CancellationToken.None);
        var firstTransition = StoredNode.Status.Conditions.Single(c => c.Type == "Ready").LastTransitionTime;

        using var cts = new CancellationTokenSource();
        var loop = agent.RunAsync(cts.Token);
        await WaitUntilAsync(() => api.Peek<V1Lease>("kube-node-lease", "node-a") is not null);
        var lease = api.Peek<V1Lease>("kube-node-lease", "node-a")!;
        Assert.Equal("node-a", lease.Spec.HolderIdentity);
        Assert.Equal(40, lease.Spec.LeaseDurationSeconds);
        Assert.Equal(StoredNode.Metadata.Uid, lease.Metadata.OwnerReferences.Single().Uid);

        time.Advance(TimeSpan.FromSeconds(10));
        await WaitUntilAsync(() => api.Peek<V1Lease>("kube-node-lease", "node-a")!.Spec.RenewTime == time.GetUtcNow().UtcDateTime);
        Assert.Contains(api.Calls, c => c is { Verb: "update", Resource: "leases" });
        var readyNow = StoredNode.Status.Conditions.Single(c => c.Type == "Ready");
        Assert.Equal(firstTransition, readyNow.LastTransitionTime);
        Assert.True(readyNow.LastHeartbeatTime > firstTransition);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    [Fact]
    public async Task An_existing_node_is_updated_not_recreated()
    {
        var options = new KubeletOptions { NodeName = "node-a" };
        await Agent(options).RegisterAsync(CancellationToken.None);
        api.ClearCalls();
        options.NodeLabels["new"] = "label";

        await Agent(options).RegisterAsync(CancellationToken.None);

        Assert.DoesNotContain(api.Calls, c => c is { Verb: "create", Resource: "nodes" });
        Assert.Contains(api.Calls, c => c is { Verb: "update", Resource: "nodes", Subresource: null });
        Assert.Equal("label", StoredNode.Metadata.Labels["new"]);
    }

    [Fact]
    public async Task Registration_records_Starting_and_the_condition_events_of_upstreams_kubelet_once()
    {
        var options = new KubeletOptions { NodeName = "node-a" };
        var agent = Agent(options);

        await agent.RegisterAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var loop = agent.RunAsync(cts.Token);
        time.Advance(options.NodeStatusUpdateFrequency);
        await WaitUntilAsync(() => api.Calls.Count(c => c is { Verb: "update", Resource: "nodes", Subresource: "status" }) >= 3);
        await WaitUntilAsync(() => api.All<Corev1Event>().Count >= 5);
        await Task.Delay(100);

        var events = api.All<Corev1Event>()
            .Select(e => $"{e.Type} {e.Reason}: {e.Message}")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(
            [
                "Normal NodeHasNoDiskPressure: Node node-a status is now: NodeHasNoDiskPressure",
                "Normal NodeHasSufficientMemory: Node node-a status is now: NodeHasSufficientMemory",
                "Normal NodeHasSufficientPID: Node node-a status is now: NodeHasSufficientPID",
                "Normal NodeReady: Node node-a status is now: NodeReady",
                "Normal Starting: Starting kubelet.",
            ],
            events);
        var starting = api.All<Corev1Event>().Single(e => e.Reason == "Starting");
        Assert.Equal(("Node", "node-a", "node-a"), (starting.InvolvedObject.Kind, starting.InvolvedObject.Name, starting.InvolvedObject.Uid));
        Assert.Equal(1, starting.Count ?? 1);
        Assert.All(api.All<Corev1Event>(), e => Assert.Equal(1, e.Count ?? 1)); // later heartbeats change no condition
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, int attempts = 500)
    {
        // Waits for background loops; bounded so a broken loop fails instead of hanging.
        for (var i = 0; i < attempts && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
