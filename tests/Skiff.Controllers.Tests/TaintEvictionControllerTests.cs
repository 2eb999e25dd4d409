using k8s.Models;
using Skiff.Client;
using Skiff.Controllers.TaintEviction;

namespace Skiff.Controllers.Tests;

public sealed class TaintEvictionControllerTests
{
    private static V1Node Node(params V1Taint[] taints) => new()
    {
        Metadata = new V1ObjectMeta { Name = "n0" },
        Spec = new V1NodeSpec { Taints = taints.ToList() },
    };

    private static V1Taint Unreachable => new() { Key = "node.kubernetes.io/unreachable", Effect = "NoExecute" };

    private static V1Pod Pod(string name, params V1Toleration[] tolerations) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec { NodeName = "n0", Containers = [new V1Container { Name = "c", Image = "nginx" }], Tolerations = tolerations.ToList() },
    };

    private static V1Toleration Tolerate(string key, long? seconds) => new() { Key = key, OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = seconds };

    [Fact]
    public async Task A_status_write_is_not_queued_and_a_change_of_tolerations_is()
    {
        await using var h = new ControllerHarness();
        using var controller = new TaintEvictionController(h.Context);
        h.Api.Seed(Node());
        var running = h.Api.Seed(Pod("running"));
        var tolerating = h.Api.Seed(Pod("tolerating"));
        await h.StartAsync();
        await h.DrainAsync(controller.Queue);

        // Handlers run in order: once the second update is queued, the first has been seen.
        await h.MakeReadyAsync(running, h.Time.GetUtcNow());
        var copy = ObjectCopy.Clone(tolerating);
        copy.Spec.Tolerations = [Tolerate("node.kubernetes.io/unreachable", 60)];
        await h.Api.UpdateAsync(copy, h.Token);
        await ControllerHarness.QueuedAsync(controller.Queue);

        Assert.Equal(1, controller.Queue.Count);
        Assert.Equal("default/tolerating", (await controller.Queue.GetAsync(h.Token)).Item);
    }

    [Fact]
    public async Task A_pod_that_does_not_tolerate_the_taint_is_marked_and_deleted_at_once_with_an_event()
    {
        await using var h = new ControllerHarness();
        using var controller = new TaintEvictionController(h.Context);
        h.Api.Seed(Node(Unreachable));
        h.Api.Seed(Pod("web"));
        await h.StartAsync();

        await controller.SyncAsync("default/web", h.Token);

        var evicted = h.Api.Peek<V1Pod>("default", "web")!;
        Assert.NotNull(evicted.Metadata.DeletionTimestamp); // graceful: the kubelet finishes it
        var target = Assert.Single(evicted.Status.Conditions, c => c.Type == "DisruptionTarget");
        Assert.Equal(("True", "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint"), (target.Status, target.Reason, target.Message));
        var calls = h.Api.Calls.Where(c => c.Resource.Contains("pods", StringComparison.Ordinal) && c.Verb is "update" or "delete").Select(c => (c.Verb, c.Subresource)).ToList();
        Assert.Equal([("update", "status"), ("delete", null)], calls);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!h.Api.All<Corev1Event>().Any(e => e.Reason == "TaintManagerEviction") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var recorded = Assert.Single(h.Api.All<Corev1Event>(), e => e.Reason == "TaintManagerEviction");
        Assert.Equal("Marking for deletion Pod default/web", recorded.Message);
    }

    [Fact]
    public async Task A_pod_tolerating_for_300_seconds_is_deleted_after_300_seconds_and_not_before()
    {
        await using var h = new ControllerHarness();
        using var controller = new TaintEvictionController(h.Context);
        h.Api.Seed(Node(Unreachable));
        h.Api.Seed(Pod("web", Tolerate("node.kubernetes.io/unreachable", 300), Tolerate("node.kubernetes.io/not-ready", 300)));
        h.Api.Seed(Pod("forever", Tolerate("node.kubernetes.io/unreachable", null)));
        await h.StartAsync();
        var start = h.Time.GetUtcNow();

        await controller.SyncAsync("default/web", h.Token);
        await controller.SyncAsync("default/forever", h.Token);
        Assert.Equal(start.AddSeconds(300), controller.Scheduled["default/web"]);
        Assert.False(controller.Scheduled.ContainsKey("default/forever"));

        h.Time.Advance(TimeSpan.FromSeconds(299));
        await controller.SyncAsync("default/web", h.Token);
        Assert.Null(h.Api.Peek<V1Pod>("default", "web")!.Metadata.DeletionTimestamp);

        h.Time.Advance(TimeSpan.FromSeconds(1));
        await controller.SyncAsync("default/web", h.Token);
        await controller.SyncAsync("default/forever", h.Token);
        Assert.NotNull(h.Api.Peek<V1Pod>("default", "web")!.Metadata.DeletionTimestamp);
        Assert.Null(h.Api.Peek<V1Pod>("default", "forever")!.Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task Taints_removed_before_the_time_cancel_the_eviction()
    {
        await using var h = new ControllerHarness();
        using var controller = new TaintEvictionController(h.Context);
        h.Api.Seed(Node(Unreachable));
        h.Api.Seed(Pod("web", Tolerate("node.kubernetes.io/unreachable", 60)));
        await h.StartAsync();
        await controller.SyncAsync("default/web", h.Token);
        Assert.True(controller.Scheduled.ContainsKey("default/web"));

        var node = h.Api.Peek<V1Node>(null, "n0")!;
        node.Spec.Taints = null;
        await h.Api.UpdateAsync(node, h.Token);
        await h.CaughtUpAsync<V1Node>();
        h.Time.Advance(TimeSpan.FromSeconds(61));
        await controller.SyncAsync("default/web", h.Token);

        Assert.Null(h.Api.Peek<V1Pod>("default", "web")!.Metadata.DeletionTimestamp);
        Assert.Empty(controller.Scheduled);
    }
}
