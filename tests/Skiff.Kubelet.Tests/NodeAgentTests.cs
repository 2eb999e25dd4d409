using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Nodes;
using Skiff.Kubelet.Tests.Fakes;

namespace Skiff.Kubelet.Tests;

public sealed class NodeAgentTests
{
    private static readonly HostInfo Host = new()
    {
        Hostname = "vm", InternalIp = "192.0.2.2", CpuCount = 2, MemoryBytes = 8L << 30, EphemeralStorageBytes = 100L << 30,
        KernelVersion = "6.1.0", OsImage = "Debian GNU/Linux 12 (bookworm)", MachineId = "m", BootId = "b", SystemUuid = "",
    };

    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeKubeletApi api = new();

    private readonly FakeResourceSource resources = new();

    private NodeAgent Agent(KubeletOptions options) => new(
        api,
        new FakeRuntimeService(time),
        new NodeStatusBuilder(options, Host, new NodePressureMonitor(resources, options.EvictionHard, time), time),
        options,
        time,
        NullLogger<NodeAgent>.Instance);

    [Fact]
    public async Task Registration_creates_the_node_and_posts_its_status_through_the_subresource()
    {
        var options = new KubeletOptions { NodeName = "node-a", PodCidr = "10.88.0.0/24" };
        options.NodeLabels["tier"] = "edge";

        await Agent(options).RegisterAsync(CancellationToken.None);

        Assert.Equal(["GetNode", "CreateNode"], api.Calls.Take(2));
        Assert.Contains("ReplaceNodeStatus", api.Calls);
        var node = api.Nodes["node-a"];
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
        var firstTransition = api.Nodes["node-a"].Status.Conditions.Single(c => c.Type == "Ready").LastTransitionTime;

        using var cts = new CancellationTokenSource();
        var loop = agent.RunAsync(cts.Token);
        await WaitUntilAsync(() => api.Leases.ContainsKey("kube-node-lease/node-a"));
        var lease = api.Leases["kube-node-lease/node-a"];
        Assert.Equal("node-a", lease.Spec.HolderIdentity);
        Assert.Equal(40, lease.Spec.LeaseDurationSeconds);
        Assert.Equal("node-uid", lease.Metadata.OwnerReferences.Single().Uid);

        time.Advance(TimeSpan.FromSeconds(10));
        await WaitUntilAsync(() => api.Calls.Contains("ReplaceLease"));
        var renewed = api.Leases["kube-node-lease/node-a"].Spec.RenewTime;
        Assert.Equal(time.GetUtcNow().UtcDateTime, renewed);
        var readyNow = api.Nodes["node-a"].Status.Conditions.Single(c => c.Type == "Ready");
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
        api.Calls.Clear();
        options.NodeLabels["new"] = "label";

        await Agent(options).RegisterAsync(CancellationToken.None);

        Assert.DoesNotContain("CreateNode", api.Calls);
        Assert.Contains("ReplaceNode", api.Calls);
        Assert.Equal("label", api.Nodes["node-a"].Metadata.Labels["new"]);
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
