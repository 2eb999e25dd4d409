using k8s.Models;
using Skiff.Client;
using Skiff.Controllers.NodeLifecycle;

namespace Skiff.Controllers.Tests;

public sealed class NodeLifecycleControllerTests
{
    private static V1Node Node(string name, DateTimeOffset heartbeat, string zone = "z1") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { [Zones.ZoneLabel] = zone } },
        Status = new V1NodeStatus
        {
            Conditions =
            [
                new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", LastHeartbeatTime = heartbeat.UtcDateTime, LastTransitionTime = heartbeat.UtcDateTime },
                new V1NodeCondition { Type = "MemoryPressure", Status = "False", LastHeartbeatTime = heartbeat.UtcDateTime, LastTransitionTime = heartbeat.UtcDateTime },
                new V1NodeCondition { Type = "DiskPressure", Status = "False", LastHeartbeatTime = heartbeat.UtcDateTime, LastTransitionTime = heartbeat.UtcDateTime },
                new V1NodeCondition { Type = "PIDPressure", Status = "False", LastHeartbeatTime = heartbeat.UtcDateTime, LastTransitionTime = heartbeat.UtcDateTime },
            ],
        },
    };

    private static V1Lease Lease(string node, DateTimeOffset renew) => new()
    {
        Metadata = new V1ObjectMeta { Name = node, NamespaceProperty = NodeLifecycleController.LeaseNamespace },
        Spec = new V1LeaseSpec { HolderIdentity = node, LeaseDurationSeconds = 40, RenewTime = renew.UtcDateTime },
    };

    private static V1Pod Pod(string name, string node) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "nginx" }] },
        Status = new V1PodStatus { Phase = "Running", Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }] },
    };

    private static async Task RenewAsync(ControllerHarness h, string node)
    {
        var lease = h.Api.Peek<V1Lease>(NodeLifecycleController.LeaseNamespace, node)!;
        lease.Spec.RenewTime = h.Time.GetUtcNow().UtcDateTime;
        await h.Api.UpdateAsync(lease, h.Token);
    }

    private static async Task CaughtUpAsync(ControllerHarness h)
    {
        await h.CaughtUpAsync<V1Node>();
        await h.CaughtUpAsync<V1Lease>();
        await h.CaughtUpAsync<V1Pod>();
    }

    private static List<(string Key, string Effect)> Taints(ControllerHarness h, string node) =>
        (h.Api.Peek<V1Node>(null, node)!.Spec?.Taints ?? []).Select(t => (t.Key, t.Effect)).ToList();

    /// <summary>Nodes n0..n(count-1) in one zone with fresh leases, started, seen once by the controller.</summary>
    private static async Task<NodeLifecycleController> ClusterAsync(ControllerHarness h, int count)
    {
        var now = h.Time.GetUtcNow();
        for (var i = 0; i < count; i++)
        {
            h.Api.Seed(Node($"n{i}", now));
            h.Api.Seed(Lease($"n{i}", now));
        }

        var controller = new NodeLifecycleController(h.Context);
        await h.StartAsync();
        await controller.MonitorNodeHealthAsync(h.Token);
        return controller;
    }

    /// <summary>Lets <paramref name="seconds"/> pass while nodes <paramref name="alive"/> keep renewing.</summary>
    private static async Task PassAsync(ControllerHarness h, NodeLifecycleController controller, int seconds, params string[] alive)
    {
        h.Time.Advance(TimeSpan.FromSeconds(seconds));
        foreach (var node in alive)
        {
            await RenewAsync(h, node);
        }

        await CaughtUpAsync(h);
        await controller.MonitorNodeHealthAsync(h.Token);
        await CaughtUpAsync(h);
    }

    [Fact]
    public async Task A_lease_unrenewed_past_the_grace_period_makes_the_node_unknown_tainted_and_its_pods_not_ready()
    {
        await using var h = new ControllerHarness();
        h.Api.Seed(Pod("web", "n0"));
        using var controller = await ClusterAsync(h, 2);

        await PassAsync(h, controller, 50, "n1");
        Assert.Equal("True", h.Api.Peek<V1Node>(null, "n0")!.Status.Conditions.First(c => c.Type == "Ready").Status);

        await PassAsync(h, controller, 1, "n1");
        var node = h.Api.Peek<V1Node>(null, "n0")!;
        Assert.All(node.Status.Conditions, c =>
        {
            Assert.Equal("Unknown", c.Status);
            Assert.Equal("NodeStatusUnknown", c.Reason);
            Assert.Equal("Kubelet stopped posting node status.", c.Message);
            Assert.Equal(h.Time.GetUtcNow().UtcDateTime, c.LastTransitionTime);
        });
        Assert.Equal("True", h.Api.Peek<V1Node>(null, "n1")!.Status.Conditions.First(c => c.Type == "Ready").Status);
        var podReady = h.Api.Peek<V1Pod>("default", "web")!.Status.Conditions.Single(c => c.Type == "Ready");
        Assert.Equal("False", podReady.Status);

        await controller.SyncNoScheduleTaintsAsync("n0", h.Token);
        await controller.NoExecuteTaintingPassAsync(h.Token);
        Assert.Equal([("node.kubernetes.io/unreachable", "NoExecute"), ("node.kubernetes.io/unreachable", "NoSchedule")], Taints(h, "n0").Order().ToList());
        Assert.All(h.Api.Peek<V1Node>(null, "n0")!.Spec.Taints, t => Assert.Equal(h.Time.GetUtcNow().UtcDateTime, t.TimeAdded));
        Assert.Empty(Taints(h, "n1"));
        Assert.Equal(ZoneState.Normal, controller.ZoneStates[Zones.KeyOf(node)]);
    }

    [Fact]
    public async Task A_node_that_comes_back_loses_its_taints_and_ready_false_swaps_to_not_ready()
    {
        await using var h = new ControllerHarness();
        using var controller = await ClusterAsync(h, 2);
        await PassAsync(h, controller, 51, "n1");
        await controller.SyncNoScheduleTaintsAsync("n0", h.Token);
        await controller.NoExecuteTaintingPassAsync(h.Token);
        Assert.Equal(2, Taints(h, "n0").Count);

        // The kubelet is back but reports NotReady: the NoExecute taint swaps at once, NoSchedule follows the condition.
        var node = h.Api.Peek<V1Node>(null, "n0")!;
        node.Status.Conditions = Node("n0", h.Time.GetUtcNow()).Status.Conditions;
        node.Status.Conditions[0].Status = "False";
        await h.Api.UpdateStatusAsync(node, h.Token);
        await PassAsync(h, controller, 5, "n0", "n1");
        await controller.SyncNoScheduleTaintsAsync("n0", h.Token);
        Assert.Equal([("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/not-ready", "NoSchedule")], Taints(h, "n0").Order().ToList());

        node = h.Api.Peek<V1Node>(null, "n0")!;
        node.Status.Conditions = Node("n0", h.Time.GetUtcNow()).Status.Conditions;
        await h.Api.UpdateStatusAsync(node, h.Token);
        await PassAsync(h, controller, 5, "n0", "n1");
        await controller.SyncNoScheduleTaintsAsync("n0", h.Token);
        Assert.Empty(Taints(h, "n0"));
        Assert.Empty(controller.PendingTaints);
    }

    [Fact]
    public async Task Unreachable_nodes_are_tainted_no_execute_at_one_per_ten_seconds_in_a_healthy_zone()
    {
        await using var h = new ControllerHarness();
        using var controller = await ClusterAsync(h, 5);
        await PassAsync(h, controller, 51, "n2", "n3", "n4"); // 2 of 5 down: normal

        await controller.NoExecuteTaintingPassAsync(h.Token);
        await controller.NoExecuteTaintingPassAsync(h.Token);
        var tainted = new[] { "n0", "n1" }.Where(n => Taints(h, n).Contains(("node.kubernetes.io/unreachable", "NoExecute"))).ToList();
        Assert.Single(tainted);

        h.Time.Advance(TimeSpan.FromSeconds(9));
        await h.CaughtUpAsync<V1Node>();
        await controller.NoExecuteTaintingPassAsync(h.Token);
        Assert.Single(new[] { "n0", "n1" }, n => Taints(h, n).Contains(("node.kubernetes.io/unreachable", "NoExecute")));

        h.Time.Advance(TimeSpan.FromSeconds(1));
        await controller.NoExecuteTaintingPassAsync(h.Token);
        Assert.All(new[] { "n0", "n1" }, n => Assert.Contains(("node.kubernetes.io/unreachable", "NoExecute"), Taints(h, n)));
    }

    [Fact]
    public async Task A_partially_disrupted_small_zone_and_a_fully_disrupted_cluster_taint_no_node_no_execute()
    {
        await using var h = new ControllerHarness();
        using var controller = await ClusterAsync(h, 5);
        await PassAsync(h, controller, 51, "n3", "n4"); // 3 of 5 down: partial disruption, small zone: rate 0
        var zone = controller.ZoneStates.Keys.Single();
        Assert.Equal(ZoneState.PartialDisruption, controller.ZoneStates[zone]);
        h.Time.Advance(TimeSpan.FromSeconds(30));
        await controller.NoExecuteTaintingPassAsync(h.Token);
        Assert.All(new[] { "n0", "n1", "n2" }, n => Assert.DoesNotContain(("node.kubernetes.io/unreachable", "NoExecute"), Taints(h, n)));

        await PassAsync(h, controller, 51); // nobody is left: every zone fully disrupted
        Assert.Equal(ZoneState.FullDisruption, controller.ZoneStates[zone]);
        h.Time.Advance(TimeSpan.FromSeconds(30));
        await controller.NoExecuteTaintingPassAsync(h.Token);
        Assert.All(Enumerable.Range(0, 5), i =>
        {
            Assert.DoesNotContain(Taints(h, $"n{i}"), t => t.Effect == "NoExecute");
            Assert.Equal("Unknown", h.Api.Peek<V1Node>(null, $"n{i}")!.Status.Conditions.First(c => c.Type == "Ready").Status);
        });
    }

    [Fact]
    public async Task A_single_dead_node_is_tainted_at_once_when_another_zone_is_healthy()
    {
        await using var h = new ControllerHarness();
        var now = h.Time.GetUtcNow();
        h.Api.Seed(Node("a", now, zone: "za"));
        h.Api.Seed(Lease("a", now));
        h.Api.Seed(Node("b", now, zone: "zb"));
        h.Api.Seed(Lease("b", now));
        using var controller = new NodeLifecycleController(h.Context);
        await h.StartAsync();
        await controller.MonitorNodeHealthAsync(h.Token);
        await PassAsync(h, controller, 51, "b");

        // Zone za is fully disrupted but zb is not: za's rate is the normal one.
        await controller.NoExecuteTaintingPassAsync(h.Token);
        Assert.Contains(("node.kubernetes.io/unreachable", "NoExecute"), Taints(h, "a"));
        Assert.Contains(controller.ZoneStates, z => z.Value == ZoneState.FullDisruption);
    }
}
