using k8s.Models;
using Skiff.Controllers.ReplicationControllers;

namespace Skiff.Controllers.Tests;

public sealed class ReplicationManagerTests
{
    private static V1ReplicationController Controller(int replicas) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
        Spec = new V1ReplicationControllerSpec
        {
            Replicas = replicas,
            Selector = new Dictionary<string, string> { ["app"] = "web" },
            Template = ControllerHarness.Template("web", "nginx"),
        },
    };

    private static async Task CaughtUpAsync(ControllerHarness h)
    {
        await h.CaughtUpAsync<V1Pod>();
        await h.CaughtUpAsync<V1ReplicationController>();
    }

    [Fact]
    public async Task Keeps_the_replicas_it_owns_and_reports_them_in_its_own_status()
    {
        await using var h = new ControllerHarness();
        using var controller = new ReplicationManager(h.Context);
        h.Api.Seed(Controller(3));
        await h.StartAsync();

        await controller.SyncAsync("default/web", h.Token);
        await CaughtUpAsync(h);
        await controller.SyncAsync("default/web", h.Token);

        var pods = h.Api.All<V1Pod>();
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p =>
        {
            var owner = Assert.Single(p.Metadata.OwnerReferences);
            Assert.Equal(("v1", "ReplicationController", "web", true), (owner.ApiVersion, owner.Kind, owner.Name, owner.Controller));
        });
        foreach (var pod in pods)
        {
            await h.MakeReadyAsync(pod, h.Time.GetUtcNow());
        }

        await CaughtUpAsync(h);
        await controller.SyncAsync("default/web", h.Token);
        var status = h.Api.Peek<V1ReplicationController>("default", "web")!.Status;
        Assert.Equal((3, 3, 3, 3, 1L), (status.Replicas, status.FullyLabeledReplicas ?? 0, status.ReadyReplicas ?? 0, status.AvailableReplicas ?? 0, status.ObservedGeneration ?? 0));
        Assert.Contains(h.Api.Calls, c => c is { Verb: "update", Resource: "replicationcontrollers", Subresource: "status" });

        // kubectl scale rc: fewer replicas, the extra pods go.
        var rc = h.Api.Peek<V1ReplicationController>("default", "web")!;
        rc.Spec.Replicas = 1;
        await h.Api.UpdateAsync(rc, h.Token);
        await CaughtUpAsync(h);
        await controller.SyncAsync("default/web", h.Token);
        Assert.Single(h.Api.All<V1Pod>());
    }

    [Fact]
    public async Task Adopts_matching_orphans_and_releases_pods_whose_labels_stopped_matching()
    {
        await using var h = new ControllerHarness();
        using var controller = new ReplicationManager(h.Context);
        var rc = h.Api.Seed(Controller(2));
        h.Api.Seed(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "orphan", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
        });
        await h.StartAsync();

        await controller.SyncAsync("default/web", h.Token);

        var orphan = h.Api.Peek<V1Pod>("default", "orphan")!;
        Assert.Equal(rc.Metadata.Uid, Assert.Single(orphan.Metadata.OwnerReferences).Uid);
        Assert.Equal(2, h.Api.All<V1Pod>().Count); // one adopted, one created

        await h.Api.PatchAsync<V1Pod>("default", "orphan", new Client.Api.ApiPatch(Client.Api.ApiPatchType.Merge, """{"metadata":{"labels":{"app":"other"}}}"""), h.Token);
        await CaughtUpAsync(h);
        await controller.SyncAsync("default/web", h.Token);
        Assert.Empty(h.Api.Peek<V1Pod>("default", "orphan")!.Metadata.OwnerReferences ?? []);
        await CaughtUpAsync(h);
        await controller.SyncAsync("default/web", h.Token);
        Assert.Equal(3, h.Api.All<V1Pod>().Count); // released: a replacement keeps two matching
    }
}
