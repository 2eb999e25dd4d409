using k8s.Models;
using Skiff.Client.Cache;

namespace Skiff.Simulation.Tests;

/// <summary>Registration, Lease renewal from the last written Lease, and rare status reports, on a fake clock.</summary>
public sealed class NodeSimulatorTests
{
    [Fact]
    public async Task A_node_registers_Ready_with_KWOK_labels_its_own_pod_range_and_a_40s_Lease()
    {
        await using var f = new SimulationFixture(nodes: 4);
        await f.Nodes.SyncAsync("sim-node-1", default);

        var node = f.Api.Peek<V1Node>(null, "sim-node-1")!;
        Assert.Equal("sim-node-1", node.Metadata.Labels["kubernetes.io/hostname"]);
        Assert.Equal("kwok", node.Metadata.Labels["type"]);
        Assert.Equal("zone-b", node.Metadata.Labels["topology.kubernetes.io/zone"]);
        Assert.Equal("10.128.1.0/24", node.Spec.PodCIDR);
        Assert.Equal("32", node.Status.Capacity["cpu"].ToString());
        Assert.Equal("256Gi", node.Status.Allocatable["memory"].ToString());
        Assert.Equal("110", node.Status.Allocatable["pods"].ToString());
        Assert.Contains(node.Status.Conditions, c => c.Type == "Ready" && c.Status == "True");
        Assert.Contains(node.Status.Addresses, a => a.Type == "InternalIP" && a.Address == "10.127.0.2");

        var lease = f.Api.Peek<V1Lease>("kube-node-lease", "sim-node-1")!;
        Assert.Equal("sim-node-1", lease.Spec.HolderIdentity);
        Assert.Equal(40, lease.Spec.LeaseDurationSeconds);
        Assert.Equal(SimulationFixture.Start.UtcDateTime, lease.Spec.RenewTime);
        Assert.Equal(node.Metadata.Uid, Assert.Single(lease.Metadata.OwnerReferences).Uid);
        Assert.Null(f.Api.Peek<V1Node>(null, "sim-node-2"));
    }

    [Fact]
    public async Task The_Lease_is_renewed_every_10s_without_a_read_and_status_is_reported_only_every_5_minutes()
    {
        await using var f = new SimulationFixture(nodes: 1);
        await f.WatchingAsync();
        await f.Nodes.SyncAsync("sim-node-0", default);
        await SimulationFixture.EventuallyAsync(() => f.NodeCache.Get(null, "sim-node-0") is not null, "the node in the cache");
        f.Api.ClearCalls();

        // Nothing is due yet: a sync writes nothing.
        await f.Nodes.SyncAsync("sim-node-0", default);
        Assert.Empty(f.Api.Calls);

        var renewals = new List<DateTime?>();
        for (var i = 0; i < 30; i++)
        {
            f.Time.Advance(TimeSpan.FromSeconds(10));
            await f.Nodes.SyncAsync("sim-node-0", default);
            renewals.Add(f.Api.Peek<V1Lease>("kube-node-lease", "sim-node-0")!.Spec.RenewTime);
        }

        // Renewed at least every 10 s (the Lease lasts 40 s), by updates only: no read of the Lease.
        Assert.Equal(30, renewals.Distinct().Count());
        Assert.DoesNotContain(f.Api.Calls, c => c.Resource == "leases" && c.Verb != "update");
        // 300 s passed: the status (heartbeat in the conditions) was posted once or twice, not every 10 s.
        var statusPosts = f.Api.Calls.Count(c => c.Resource == "nodes" && c.Subresource == "status");
        Assert.InRange(statusPosts, 1, 2);
        var ready = f.Api.Peek<V1Node>(null, "sim-node-0")!.Status.Conditions.Single(c => c.Type == "Ready");
        Assert.True(ready.LastHeartbeatTime > SimulationFixture.Start.UtcDateTime);
        Assert.Equal(SimulationFixture.Start.UtcDateTime, ready.LastTransitionTime);
    }

    [Fact]
    public async Task A_Lease_written_by_someone_else_is_read_again_after_the_conflict()
    {
        await using var f = new SimulationFixture(nodes: 1);
        await f.Nodes.SyncAsync("sim-node-0", default);
        var lease = f.Api.Peek<V1Lease>("kube-node-lease", "sim-node-0")!;
        lease.Spec.HolderIdentity = "someone";
        await f.Api.UpdateAsync(lease, default);

        f.Time.Advance(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<Client.Api.ApiException>(() => f.Nodes.SyncAsync("sim-node-0", default));
        await f.Nodes.SyncAsync("sim-node-0", default);
        Assert.Equal("sim-node-0", f.Api.Peek<V1Lease>("kube-node-lease", "sim-node-0")!.Spec.HolderIdentity);
    }

    [Fact]
    public async Task An_existing_node_is_adopted_keeping_its_pod_range_and_cordon()
    {
        await using var f = new SimulationFixture(nodes: 1);
        f.Api.Seed(new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta { Name = "sim-node-0", Labels = new Dictionary<string, string> { ["team"] = "a" } },
            Spec = new V1NodeSpec { PodCIDR = "10.200.7.0/24", Unschedulable = true },
        });
        await f.Nodes.SyncAsync("sim-node-0", default);

        var node = f.Api.Peek<V1Node>(null, "sim-node-0")!;
        Assert.True(node.Spec.Unschedulable);
        Assert.Equal("10.200.7.0/24", node.Spec.PodCIDR);
        Assert.Equal("a", node.Metadata.Labels["team"]);
        Assert.Equal("kwok", node.Metadata.Labels["type"]);
        Assert.Contains(node.Status.Conditions, c => c.Type == "Ready" && c.Status == "True");
        Assert.Equal("10.200.7.0/24", f.Nodes.Find("sim-node-0")!.PodCidr.ToString());
    }

    [Fact]
    public void First_renewals_are_spread_over_the_interval()
    {
        var firsts = Enumerable.Range(0, 5000).Select(i => NodeSimulator.Spread(TimeSpan.FromSeconds(10), i, 0.2).TotalSeconds).ToList();
        Assert.All(firsts, s => Assert.InRange(s, 2, 10));
        // Every whole second of the window gets a similar share (±20 % of the 625 an even spread gives).
        var perSecond = firsts.GroupBy(s => (int)s).Select(g => g.Count()).ToList();
        Assert.Equal(8, perSecond.Count);
        Assert.All(perSecond, n => Assert.InRange(n, 500, 750));
    }
}
