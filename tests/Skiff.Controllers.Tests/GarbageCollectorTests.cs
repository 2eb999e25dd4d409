using k8s.Models;
using Skiff.Client;
using Skiff.Controllers.GarbageCollection;

namespace Skiff.Controllers.Tests;

public sealed class GarbageCollectorTests
{
    private static V1ReplicaSet ReplicaSet(string name, List<string>? finalizers = null, DateTime? deleting = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Finalizers = finalizers, DeletionTimestamp = deleting },
        Spec = new V1ReplicaSetSpec { Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } } },
    };

    private static V1Pod PodOf(string name, V1ReplicaSet owner, string? uid = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "default",
            OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = owner.Metadata.Name, Uid = uid ?? owner.Metadata.Uid, Controller = true, BlockOwnerDeletion = true }],
        },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
    };

    [Fact]
    public async Task A_status_write_is_not_looked_at_again_and_a_change_of_owners_is()
    {
        await using var h = new ControllerHarness();
        using var gc = new GarbageCollector(h.Context);
        var owner = h.Api.Seed(ReplicaSet("web"));
        var running = h.Api.Seed(PodOf("running", owner));
        var reowned = h.Api.Seed(PodOf("reowned", owner));
        await h.StartAsync();
        await h.DrainAsync(gc.Queue);

        // A kubelet's status write, then a pod whose owner reference changes (to an owner that is gone): handlers run
        // in order, so once the second is queued the first has been seen.
        await h.MakeReadyAsync(running, h.Time.GetUtcNow());
        var copy = ObjectCopy.Clone(reowned);
        copy.Metadata.OwnerReferences[0].Uid = "uid-of-a-deleted-replicaset";
        await h.Api.UpdateAsync(copy, h.Token);
        await ControllerHarness.QueuedAsync(gc.Queue);

        Assert.Equal(1, gc.Queue.Count);
        Assert.Equal("v1|Pod|default/reowned", (await gc.Queue.GetAsync(h.Token)).Item);
    }

    [Fact]
    public async Task A_dependent_whose_owner_is_gone_is_deleted_and_one_whose_owner_exists_is_kept()
    {
        await using var h = new ControllerHarness();
        using var gc = new GarbageCollector(h.Context);
        var live = h.Api.Seed(ReplicaSet("live"));
        h.Api.Seed(PodOf("kept", live));
        h.Api.Seed(PodOf("orphaned", live, uid: "uid-of-a-deleted-replicaset"));
        await h.StartAsync();

        await gc.SyncAsync("v1|Pod|default/kept", h.Token);
        await gc.SyncAsync("v1|Pod|default/orphaned", h.Token);

        Assert.NotNull(h.Api.Peek<V1Pod>("default", "kept"));
        Assert.Null(h.Api.Peek<V1Pod>("default", "orphaned"));
    }

    [Fact]
    public async Task An_owner_found_gone_is_not_looked_up_again_for_its_other_dependents()
    {
        await using var h = new ControllerHarness();
        using var gc = new GarbageCollector(h.Context);
        var live = h.Api.Seed(ReplicaSet("live"));
        for (var i = 0; i < 3; i++)
        {
            h.Api.Seed(PodOf($"orphaned-{i}", live, uid: "uid-of-a-deleted-replicaset"));
        }

        await h.StartAsync();
        h.Api.ClearCalls();

        for (var i = 0; i < 3; i++)
        {
            await gc.SyncAsync($"v1|Pod|default/orphaned-{i}", h.Token);
            Assert.Null(h.Api.Peek<V1Pod>("default", $"orphaned-{i}"));
        }

        // One live read settles that the owner is gone (the cached "live" has another uid); the other two trust it.
        Assert.Single(h.Api.Calls, c => c.Verb == "get" && c.Resource == "replicasets");
    }

    [Fact]
    public async Task An_owner_the_cache_has_not_seen_yet_is_looked_up_before_anything_is_collected()
    {
        await using var h = new ControllerHarness();
        using var gc = new GarbageCollector(h.Context);
        await h.StartAsync();
        var owner = await h.Api.CreateAsync(ReplicaSet("new"), h.Token);
        await h.Api.CreateAsync(PodOf("child", owner), h.Token);
        await h.CaughtUpAsync<V1Pod>();

        await gc.SyncAsync("v1|Pod|default/child", h.Token);

        Assert.NotNull(h.Api.Peek<V1Pod>("default", "child"));
    }

    [Fact]
    public async Task Orphan_propagation_removes_the_dependents_references_then_the_owners_finalizer()
    {
        await using var h = new ControllerHarness();
        using var gc = new GarbageCollector(h.Context);
        var owner = h.Api.Seed(ReplicaSet("old", [GarbageCollector.OrphanFinalizer], h.Time.GetUtcNow().UtcDateTime));
        h.Api.Seed(PodOf("survivor", owner));
        await h.StartAsync();

        await gc.SyncAsync("apps/v1|ReplicaSet|default/old", h.Token);

        Assert.Empty(h.Api.Peek<V1Pod>("default", "survivor")!.Metadata.OwnerReferences ?? []);
        Assert.Null(h.Api.Peek<V1ReplicaSet>("default", "old"));
    }

    [Fact]
    public async Task Foreground_propagation_deletes_dependents_first_and_keeps_the_owner_until_they_are_gone()
    {
        await using var h = new ControllerHarness();
        using var gc = new GarbageCollector(h.Context);
        var owner = h.Api.Seed(ReplicaSet("fg", [GarbageCollector.ForegroundFinalizer], h.Time.GetUtcNow().UtcDateTime));
        h.Api.Seed(PodOf("child", owner));
        await h.StartAsync();

        await gc.SyncAsync("apps/v1|ReplicaSet|default/fg", h.Token);
        Assert.Null(h.Api.Peek<V1Pod>("default", "child"));
        Assert.NotNull(h.Api.Peek<V1ReplicaSet>("default", "fg")); // the cache still showed the child

        await h.CaughtUpAsync<V1Pod>();
        await gc.SyncAsync("apps/v1|ReplicaSet|default/fg", h.Token);
        Assert.Null(h.Api.Peek<V1ReplicaSet>("default", "fg"));
    }
}
