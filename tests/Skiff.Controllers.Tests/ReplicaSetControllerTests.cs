using k8s.Models;
using Skiff.Client;
using Skiff.Controllers.ReplicaSets;

namespace Skiff.Controllers.Tests;

public sealed class ReplicaSetControllerTests
{
    private static V1ReplicaSet ReplicaSet(int replicas, int minReadySeconds = 0) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
        Spec = new V1ReplicaSetSpec
        {
            Replicas = replicas,
            MinReadySeconds = minReadySeconds,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Template = ControllerHarness.Template("web", "nginx"),
        },
    };

    [Fact]
    public async Task Creates_the_missing_pods_once_even_when_synced_again_before_the_cache_shows_them()
    {
        await using var h = new ControllerHarness();
        using var controller = new ReplicaSetController(h.Context);
        h.Api.Seed(ReplicaSet(3));
        await h.StartAsync();

        await controller.SyncAsync("default/web", h.Token);
        await h.CaughtUpAsync<V1ReplicaSet>();
        await controller.SyncAsync("default/web", h.Token); // the pod cache may not show the pods yet: expectations hold

        var pods = h.Api.All<V1Pod>();
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p =>
        {
            Assert.StartsWith("web-", p.Metadata.Name, StringComparison.Ordinal);
            var owner = Assert.Single(p.Metadata.OwnerReferences);
            Assert.Equal(("ReplicaSet", "web", true, true), (owner.Kind, owner.Name, owner.Controller, owner.BlockOwnerDeletion));
            Assert.Equal("web", p.Metadata.Labels["app"]);
        });
        Assert.Equal(3, h.Api.Calls.Count(c => c.Verb == "create" && c.Resource.Contains("pods", StringComparison.Ordinal)));

        await h.CaughtUpAsync();
        Assert.True(controller.Expectations.Satisfied("default/web"));
        await controller.SyncAsync("default/web", h.Token);
        Assert.Equal(3, h.Api.All<V1Pod>().Count);
        Assert.Equal(3, h.Api.Peek<V1ReplicaSet>("default", "web")!.Status.Replicas);
    }

    [Fact]
    public async Task A_status_write_that_conflicts_is_written_again_on_the_latest_object_without_failing_the_sync()
    {
        await using var h = new ControllerHarness();
        using var controller = new ReplicaSetController(h.Context);
        h.Api.Seed(ReplicaSet(2));
        await h.StartAsync();
        await controller.SyncAsync("default/web", h.Token);
        await h.CaughtUpAsync();
        var before = h.Api.Calls.Count;

        // Someone else wrote the ReplicaSet since the cache saw it: the first status write conflicts.
        var latest = h.Api.Peek<V1ReplicaSet>("default", "web")!;
        latest.Metadata.Labels = new Dictionary<string, string> { ["tier"] = "front" };
        await h.Api.UpdateAsync(latest, h.Token);
        foreach (var pod in h.Api.All<V1Pod>())
        {
            await h.MakeReadyAsync(pod, h.Time.GetUtcNow());
        }

        await h.CaughtUpAsync<V1Pod>();
        h.Api.FailNext("update", "replicasets/status", new Client.Api.ApiException(System.Net.HttpStatusCode.Conflict, new V1Status { Reason = "Conflict" }, "the object has been modified"));
        await controller.SyncAsync("default/web", h.Token);

        var stored = h.Api.Peek<V1ReplicaSet>("default", "web")!;
        Assert.Equal((2, 2), (stored.Status.Replicas, stored.Status.ReadyReplicas));
        Assert.Equal("front", stored.Metadata.Labels["tier"]);
        var calls = h.Api.Calls.Skip(before).Where(c => c.Resource.Contains("replicasets", StringComparison.Ordinal)).Select(c => c.Verb).ToList();
        Assert.Contains("get", calls);
    }

    [Fact]
    public async Task Status_counts_ready_and_available_after_minReadySeconds()
    {
        await using var h = new ControllerHarness();
        using var controller = new ReplicaSetController(h.Context);
        h.Api.Seed(ReplicaSet(2, minReadySeconds: 10));
        await h.StartAsync();
        await controller.SyncAsync("default/web", h.Token);
        await h.CaughtUpAsync();
        foreach (var pod in h.Api.All<V1Pod>())
        {
            await h.MakeReadyAsync(pod, h.Time.GetUtcNow());
        }

        await h.CaughtUpAsync();
        await controller.SyncAsync("default/web", h.Token);
        var status = h.Api.Peek<V1ReplicaSet>("default", "web")!.Status;
        Assert.Equal((2, 2, 2, 0), (status.Replicas, status.FullyLabeledReplicas, status.ReadyReplicas ?? 0, status.AvailableReplicas ?? 0));

        h.Time.Advance(TimeSpan.FromSeconds(10));
        await h.CaughtUpAsync();
        await controller.SyncAsync("default/web", h.Token);
        Assert.Equal(2, h.Api.Peek<V1ReplicaSet>("default", "web")!.Status.AvailableReplicas);
    }

    [Fact]
    public async Task Scaling_down_deletes_unscheduled_then_not_ready_then_cheapest_pods_first()
    {
        await using var h = new ControllerHarness();
        using var controller = new ReplicaSetController(h.Context);
        var rs = h.Api.Seed(ReplicaSet(4));
        var owner = new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "web", Uid = rs.Metadata.Uid, Controller = true };
        V1Pod Pod(string name, string? node, bool ready, int cost) => h.Api.Seed(new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = name, NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["app"] = "web" }, OwnerReferences = [owner],
                Annotations = new Dictionary<string, string> { ["controller.kubernetes.io/pod-deletion-cost"] = cost.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            },
            Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "nginx" }] },
            Status = new V1PodStatus
            {
                Phase = node is null ? "Pending" : "Running",
                Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }],
            },
        });
        Pod("ready-expensive", "n1", ready: true, cost: 100);
        Pod("ready-cheap", "n2", ready: true, cost: -5);
        Pod("not-ready", "n3", ready: false, cost: 1000);
        Pod("unscheduled", null, ready: false, cost: 1000);
        await h.StartAsync();

        var scaled = ObjectCopy.Clone(h.Api.Peek<V1ReplicaSet>("default", "web")!);
        scaled.Spec.Replicas = 1;
        await h.Api.UpdateAsync(scaled, h.Token);
        await h.CaughtUpAsync();
        await controller.SyncAsync("default/web", h.Token);

        // Bound pods are deleted gracefully by the fake (a deletionTimestamp): the survivors are those without one.
        var left = h.Api.All<V1Pod>().Where(p => p.Metadata.DeletionTimestamp is null).Select(p => p.Metadata.Name);
        Assert.Equal(["ready-expensive"], left);
    }

    [Fact]
    public async Task Adopts_a_matching_orphan_and_releases_a_pod_that_stopped_matching()
    {
        await using var h = new ControllerHarness();
        using var controller = new ReplicaSetController(h.Context);
        var rs = h.Api.Seed(ReplicaSet(1));
        h.Api.Seed(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "orphan", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
        });
        h.Api.Seed(new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = "relabelled", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["app"] = "other" },
                OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "web", Uid = rs.Metadata.Uid, Controller = true }],
            },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
        });
        await h.StartAsync();

        await controller.SyncAsync("default/web", h.Token);

        Assert.Equal(rs.Metadata.Uid, Assert.Single(h.Api.Peek<V1Pod>("default", "orphan")!.Metadata.OwnerReferences).Uid);
        Assert.Empty(h.Api.Peek<V1Pod>("default", "relabelled")!.Metadata.OwnerReferences ?? []);
        Assert.Equal(2, h.Api.All<V1Pod>().Count); // the adopted orphan fills the one replica
    }

    [Fact]
    public async Task A_refused_create_stops_the_slow_start_after_the_first_batch_and_records_FailedCreate()
    {
        await using var h = new ControllerHarness();
        using var controller = new ReplicaSetController(h.Context);
        h.Api.Seed(ReplicaSet(10));
        await h.StartAsync();
        h.Api.FailNext("create", "pods", new Client.Api.ApiException(System.Net.HttpStatusCode.Forbidden, new V1Status { Reason = "Forbidden", Message = "exceeded quota" }, "exceeded quota"));

        await Assert.ThrowsAsync<Client.Api.ApiException>(() => controller.SyncAsync("default/web", h.Token));

        Assert.Equal(1, h.Api.Calls.Count(c => c.Verb == "create" && c.Resource.Contains("pods", StringComparison.Ordinal)));
        Assert.Empty(h.Api.All<V1Pod>());
        Assert.True(controller.Expectations.Satisfied("default/web")); // the 9 skipped creations are not waited for
        var failure = Assert.Single(h.Api.Peek<V1ReplicaSet>("default", "web")!.Status.Conditions);
        Assert.Equal(("ReplicaFailure", "FailedCreate"), (failure.Type, failure.Reason));
    }

    [Fact]
    public async Task A_create_refused_because_the_namespace_is_terminating_is_not_a_failure()
    {
        await using var h = new ControllerHarness();
        using var controller = new ReplicaSetController(h.Context);
        h.Api.Seed(ReplicaSet(10));
        await h.StartAsync();
        var terminating = new V1Status
        {
            Reason = "Forbidden",
            Message = "unable to create new content in namespace default because it is being terminated",
            Details = new V1StatusDetails { Causes = [new V1StatusCause { Reason = "NamespaceTerminating", Field = "metadata.namespace" }] },
        };
        h.Api.FailNext("create", "pods", new Client.Api.ApiException(System.Net.HttpStatusCode.Forbidden, terminating, terminating.Message));

        await controller.SyncAsync("default/web", h.Token);

        Assert.Equal(1, h.Api.Calls.Count(c => c.Verb == "create" && c.Resource.Contains("pods", StringComparison.Ordinal)));
        Assert.Empty(h.Api.All<V1Pod>());
        Assert.Null(h.Api.Peek<V1ReplicaSet>("default", "web")!.Status?.Conditions);
        Assert.False(controller.Expectations.Satisfied("default/web")); // as upstream: no retry until the expectation expires
    }

    private static V1ReplicaSet Other()
    {
        var rs = ReplicaSet(1);
        rs.Metadata.Name = "other";
        rs.Spec.Selector.MatchLabels["app"] = "other";
        rs.Spec.Template = ControllerHarness.Template("other", "nginx");
        return rs;
    }

    /// <summary>Takes (and finishes) the queue's items until every one of <paramref name="wanted"/> has come; the
    /// keys taken, in order. Fails after 10 s.</summary>
    private static async Task<List<string>> TakeUntilAsync(ReplicaSetController controller, CancellationToken cancellationToken, params string[] wanted)
    {
        var keys = new List<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (!wanted.All(keys.Contains))
        {
            var (key, _) = await controller.Queue.GetAsync(timeout.Token);
            controller.Queue.Done(key);
            keys.Add(key);
        }

        return keys;
    }

    [Fact]
    public async Task Pod_changes_that_move_only_the_counts_are_synced_together_after_the_batch_period()
    {
        await using var h = new ControllerHarness();
        using var controller = new ReplicaSetController(h.Context);
        h.Api.Seed(ReplicaSet(2));
        h.Api.Seed(Other());
        await h.StartAsync();
        await TakeUntilAsync(controller, h.Token, "default/web", "default/other");
        await controller.SyncAsync("default/web", h.Token);
        await controller.SyncAsync("default/other", h.Token);

        // The creation seen last completes each ReplicaSet's expectations: the next sync may act, so it is queued at once.
        await TakeUntilAsync(controller, h.Token, "default/web", "default/other");

        // Both web pods start and become ready: nothing to create or delete, so web is not queued yet. Other's pod
        // fails and leaves the active set: a replacement is due, so other is queued at once (and, as handlers run in
        // order, once it is, web's changes have been seen).
        foreach (var pod in h.Api.All<V1Pod>().Where(p => p.Metadata.Labels["app"] == "web"))
        {
            await h.MakeReadyAsync(pod, h.Time.GetUtcNow());
        }

        var failed = ObjectCopy.Clone(h.Api.All<V1Pod>().Single(p => p.Metadata.Labels["app"] == "other"));
        failed.Status = new V1PodStatus { Phase = "Failed" };
        await h.Api.UpdateStatusAsync(failed, h.Token);
        Assert.DoesNotContain("default/web", await TakeUntilAsync(controller, h.Token, "default/other"));

        // The batch period over, web is synced for all its changes.
        h.Time.Advance(ReplicaSetController.StatusBatchPeriod);
        await TakeUntilAsync(controller, h.Token, "default/web");
    }

    [Fact]
    public async Task A_pod_whose_labels_change_is_synced_at_once()
    {
        await using var h = new ControllerHarness();
        using var controller = new ReplicaSetController(h.Context);
        h.Api.Seed(ReplicaSet(1));
        await h.StartAsync();
        await TakeUntilAsync(controller, h.Token, "default/web");
        await controller.SyncAsync("default/web", h.Token);
        await TakeUntilAsync(controller, h.Token, "default/web");

        // No longer matching the selector: the pod is released and a replacement is due. (The clock stands still, so
        // nothing batched comes due meanwhile.)
        var relabelled = ObjectCopy.Clone(Assert.Single(h.Api.All<V1Pod>()));
        relabelled.Metadata.Labels["app"] = "debug";
        await h.Api.UpdateAsync(relabelled, h.Token);
        await TakeUntilAsync(controller, h.Token, "default/web");
    }

    [Fact]
    public async Task A_status_write_of_the_ReplicaSet_waits_for_the_batch_period_and_a_new_spec_is_synced_at_once()
    {
        await using var h = new ControllerHarness();
        using var controller = new ReplicaSetController(h.Context);
        h.Api.Seed(ReplicaSet(0));
        h.Api.Seed(Other());
        await h.StartAsync();
        await TakeUntilAsync(controller, h.Token, "default/web", "default/other");

        // Someone writes web's status; then other's spec changes (a new generation). Handlers run in order: once other
        // is queued, web's status write has been seen, and it was not queued.
        var status = ObjectCopy.Clone(h.Api.Peek<V1ReplicaSet>("default", "web")!);
        status.Status = new V1ReplicaSetStatus { Replicas = 0, ObservedGeneration = 1 };
        await h.Api.UpdateStatusAsync(status, h.Token);
        var scaled = ObjectCopy.Clone(h.Api.Peek<V1ReplicaSet>("default", "other")!);
        scaled.Spec.Replicas = 3;
        scaled.Metadata.Generation = (scaled.Metadata.Generation ?? 1) + 1;
        await h.Api.UpdateAsync(scaled, h.Token);
        Assert.DoesNotContain("default/web", await TakeUntilAsync(controller, h.Token, "default/other"));

        h.Time.Advance(ReplicaSetController.StatusBatchPeriod);
        await TakeUntilAsync(controller, h.Token, "default/web");
    }
}
