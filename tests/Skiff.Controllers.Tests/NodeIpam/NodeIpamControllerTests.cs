using k8s.Models;
using Skiff.Controllers.NodeIpam;

namespace Skiff.Controllers.Tests.NodeIpam;

public sealed class NodeIpamControllerTests
{
    private static V1Node Node(string name, string? podCidr = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = podCidr is null ? new V1NodeSpec() : new V1NodeSpec { PodCIDR = podCidr, PodCIDRs = [podCidr] },
    };

    private static string? PodCidrOf(ControllerHarness h, string name) =>
        h.Api.All<V1Node>().Single(n => n.Metadata.Name == name).Spec?.PodCIDR;

    [Fact]
    public async Task Each_registered_node_gets_its_own_block_in_podCIDR_and_podCIDRs()
    {
        await using var h = new ControllerHarness();
        using var controller = new NodeIpamController(h.Context, "10.42.0.0/16", 24);
        h.Api.Seed(Node("a"));
        h.Api.Seed(Node("b"));
        await h.StartAsync();
        controller.Rebuild();

        await controller.SyncAsync("a", h.Token);
        await controller.SyncAsync("b", h.Token);
        await h.CaughtUpAsync<V1Node>();
        await controller.SyncAsync("a", h.Token); // again: keeps its range, takes no second one

        var a = h.Api.All<V1Node>().Single(n => n.Metadata.Name == "a");
        Assert.Equal("10.42.0.0/24", a.Spec.PodCIDR);
        Assert.Equal(["10.42.0.0/24"], a.Spec.PodCIDRs);
        Assert.Equal("10.42.1.0/24", PodCidrOf(h, "b"));
        Assert.Equal(2, controller.UsedCount);
    }

    [Fact]
    public async Task A_sync_before_the_cache_shows_its_own_patch_does_not_hand_out_a_second_range()
    {
        await using var h = new ControllerHarness();
        using var controller = new NodeIpamController(h.Context, "10.42.0.0/16", 24);
        h.Api.Seed(Node("a"));
        await h.StartAsync();
        controller.Rebuild();

        await controller.SyncAsync("a", h.Token);
        await controller.SyncAsync("a", h.Token); // the informer may still hold the node without a range

        Assert.Equal("10.42.0.0/24", PodCidrOf(h, "a"));
        Assert.Equal(1, controller.UsedCount);
    }

    [Fact]
    public async Task After_a_restart_the_ranges_already_on_nodes_are_never_given_again()
    {
        await using var h = new ControllerHarness();
        // Ranges from a controller before the restart, and one a kubelet set with --pod-cidr (outside the cluster range).
        h.Api.Seed(Node("old-0", "10.42.0.0/24"));
        h.Api.Seed(Node("old-2", "10.42.2.0/24"));
        h.Api.Seed(Node("manual", "10.88.5.0/24"));
        h.Api.Seed(Node("new-1"));
        h.Api.Seed(Node("new-2"));
        using var controller = new NodeIpamController(h.Context, "10.42.0.0/16", 24);
        await h.StartAsync();
        controller.Rebuild();

        await controller.SyncAsync("new-1", h.Token);
        await controller.SyncAsync("new-2", h.Token);

        Assert.Equal("10.42.1.0/24", PodCidrOf(h, "new-1"));
        Assert.Equal("10.42.3.0/24", PodCidrOf(h, "new-2"));
        Assert.Equal("10.88.5.0/24", PodCidrOf(h, "manual"));
        Assert.Equal(4, controller.UsedCount);
    }

    [Fact]
    public async Task When_the_range_is_exhausted_the_node_gets_CIDRNotAvailable_and_a_deleted_nodes_range_goes_to_it()
    {
        await using var h = new ControllerHarness();
        using var controller = new NodeIpamController(h.Context, "10.42.0.0/24", 25); // two blocks
        h.Api.Seed(Node("a"));
        h.Api.Seed(Node("b"));
        h.Api.Seed(Node("c"));
        await h.StartAsync();
        controller.Rebuild();
        await controller.SyncAsync("a", h.Token);
        await controller.SyncAsync("b", h.Token);

        await Assert.ThrowsAsync<InvalidOperationException>(() => controller.SyncAsync("c", h.Token));
        Assert.Null(PodCidrOf(h, "c"));
        await WaitUntilAsync(() => h.Api.All<Corev1Event>().Any(e => e.Reason == NodeIpamController.ReasonCidrNotAvailable));
        var evt = h.Api.All<Corev1Event>().Single(e => e.Reason == NodeIpamController.ReasonCidrNotAvailable);
        Assert.Equal(("Node", "c", "Normal", "Node c status is now: CIDRNotAvailable"), (evt.InvolvedObject.Kind, evt.InvolvedObject.Name, evt.Type, evt.Message));

        await h.CaughtUpAsync<V1Node>();
        await h.Api.DeleteAsync<V1Node>(null, "a", null, h.Token);
        await WaitUntilAsync(() => controller.UsedCount == 1); // released by the informer's delete event
        await controller.SyncAsync("c", h.Token);
        Assert.Equal("10.42.0.0/25", PodCidrOf(h, "c"));
    }

    [Fact]
    public async Task Nodes_added_later_are_queued_by_the_informer()
    {
        await using var h = new ControllerHarness();
        using var controller = new NodeIpamController(h.Context, "10.42.0.0/16", 24);
        await h.StartAsync();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(h.Token);
        var run = controller.RunAsync(1, stop.Token);

        await h.Api.CreateAsync(Node("late"), h.Token);
        await WaitUntilAsync(() => PodCidrOf(h, "late") is not null);
        Assert.Equal("10.42.0.0/24", PodCidrOf(h, "late"));
        await stop.CancelAsync();
        try
        {
            await run.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met within 10 s");
            }

            await Task.Delay(10);
        }
    }
}
