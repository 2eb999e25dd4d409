using k8s.Models;
using Skiff.Controllers.StatefulSets;

namespace Skiff.Controllers.Tests;

public sealed class StatefulSetControllerTests
{
    private static V1StatefulSet Set(int replicas, string policy = "OrderedReady", int partition = 0) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Generation = 1, Uid = "sts-uid" },
        Spec = new V1StatefulSetSpec
        {
            Replicas = replicas,
            ServiceName = "nginx",
            PodManagementPolicy = policy,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Template = ControllerHarness.Template("web", "nginx"),
            UpdateStrategy = new V1StatefulSetUpdateStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateStatefulSetStrategy { Partition = partition } },
        },
    };

    private static V1Pod Pod(int ordinal, string revision, bool ready, bool deleting = false) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = $"web-{ordinal}",
            Labels = new Dictionary<string, string> { [StatefulPods.RevisionLabel] = revision },
            DeletionTimestamp = deleting ? DateTime.UtcNow : null,
        },
        Status = ready
            ? new V1PodStatus { Phase = "Running", Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }] }
            : new V1PodStatus { Phase = "Pending" },
    };

    [Fact]
    public void OrderedReady_creates_one_at_a_time_after_the_previous_is_ready()
    {
        Assert.Equal([0], StatefulSetPlanner.Compute(Set(3), [], "r1").Create);
        Assert.Empty(StatefulSetPlanner.Compute(Set(3), [Pod(0, "r1", ready: false)], "r1").Create);
        Assert.Equal([1], StatefulSetPlanner.Compute(Set(3), [Pod(0, "r1", ready: true)], "r1").Create);
        Assert.Equal([0, 1, 2], StatefulSetPlanner.Compute(Set(3, "Parallel"), [], "r1").Create);
    }

    [Fact]
    public void Scale_down_removes_the_highest_ordinal_first_one_at_a_time()
    {
        var pods = new[] { Pod(0, "r1", true), Pod(1, "r1", true), Pod(2, "r1", true) };
        Assert.Equal(["web-2"], StatefulSetPlanner.Compute(Set(1), pods, "r1").Delete.Select(p => p.Metadata.Name));
        var terminating = new[] { Pod(0, "r1", true), Pod(1, "r1", true), Pod(2, "r1", true, deleting: true) };
        Assert.Empty(StatefulSetPlanner.Compute(Set(1), terminating, "r1").Delete); // waits for web-2 to be gone
        Assert.Equal(["web-2", "web-1"], StatefulSetPlanner.Compute(Set(1, "Parallel"), pods, "r1").Delete.Select(p => p.Metadata.Name));
    }

    [Fact]
    public void Rolling_update_goes_from_the_highest_ordinal_down_to_the_partition()
    {
        var pods = new[] { Pod(0, "r1", true), Pod(1, "r1", true), Pod(2, "r1", true) };
        Assert.Equal(["web-2"], StatefulSetPlanner.Compute(Set(3), pods, "r2").Delete.Select(p => p.Metadata.Name));
        var updatedTop = new[] { Pod(0, "r1", true), Pod(1, "r1", true), Pod(2, "r2", false) };
        Assert.Empty(StatefulSetPlanner.Compute(Set(3), updatedTop, "r2").Delete); // web-2 not ready yet
        var readyTop = new[] { Pod(0, "r1", true), Pod(1, "r1", true), Pod(2, "r2", true) };
        Assert.Equal(["web-1"], StatefulSetPlanner.Compute(Set(3), readyTop, "r2").Delete.Select(p => p.Metadata.Name));
        Assert.Empty(StatefulSetPlanner.Compute(Set(3, partition: 2), readyTop, "r2").Delete); // ordinals below 2 keep the old revision
        var onDelete = Set(3);
        onDelete.Spec.UpdateStrategy = new V1StatefulSetUpdateStrategy { Type = "OnDelete" };
        Assert.Empty(StatefulSetPlanner.Compute(onDelete, pods, "r2").Delete);
    }

    [Fact]
    public async Task The_controller_creates_stable_pods_in_order_and_reports_status()
    {
        await using var h = new ControllerHarness();
        using var controller = new StatefulSetController(h.Context);
        h.Api.Seed(Set(2));
        await h.StartAsync();

        async Task SyncAsync()
        {
            await h.CaughtUpAsync<V1StatefulSet>();
            await h.CaughtUpAsync<V1Pod>();
            await controller.SyncAsync("default/web", h.Token);
            await h.CaughtUpAsync<V1Pod>();
            await h.CaughtUpAsync<V1StatefulSet>();
        }

        await SyncAsync();
        await SyncAsync();
        var pod = Assert.Single(h.Api.All<V1Pod>());
        Assert.Equal(("web-0", "web-0", "nginx"), (pod.Metadata.Name, pod.Spec.Hostname, pod.Spec.Subdomain));
        Assert.Equal(("web-0", "0"), (pod.Metadata.Labels[StatefulPods.PodNameLabel], pod.Metadata.Labels[StatefulPods.PodIndexLabel]));
        Assert.StartsWith("web-", pod.Metadata.Labels[StatefulPods.RevisionLabel], StringComparison.Ordinal);

        await h.MakeReadyAsync(pod, h.Time.GetUtcNow());
        await SyncAsync();
        Assert.Equal(["web-0", "web-1"], h.Api.All<V1Pod>().Select(p => p.Metadata.Name).Order(StringComparer.Ordinal));
        await h.MakeReadyAsync(h.Api.Peek<V1Pod>("default", "web-1")!, h.Time.GetUtcNow());
        await SyncAsync();
        var status = h.Api.Peek<V1StatefulSet>("default", "web")!.Status;
        Assert.Equal((2, 2, 2, 2, 2), (status.Replicas, status.ReadyReplicas ?? 0, status.AvailableReplicas ?? 0, status.CurrentReplicas ?? 0, status.UpdatedReplicas ?? 0));
        Assert.Equal(status.UpdateRevision, status.CurrentRevision);
        Assert.Equal(1L, status.ObservedGeneration);
    }
}
