using Skiff.Api.Json;
using k8s.Models;
using Skiff.Client;
using Skiff.Controllers.DaemonSets;
using Skiff.Controllers.History;
using Skiff.Controllers.StatefulSets;

namespace Skiff.Controllers.Tests;

/// <summary>ControllerRevisions written by the DaemonSet and StatefulSet controllers (upstream's history semantics).</summary>
public sealed class ControllerRevisionTests
{
    [Fact]
    public void The_data_is_a_replace_patch_of_the_template_with_sorted_keys_and_restores_it()
    {
        var template = ControllerHarness.Template("web", "nginx:1.26");
        var data = ControllerHistory.TemplatePatch(template);
        // As Go's json.Marshal writes it (creationTimestamp null and resources {} included), so kubectl's own patch of
        // the live object compares equal.
        Assert.Equal(
            """{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx:1.26","name":"c","resources":{}}]}}}}""",
            data);
        var revision = ControllerHistory.New(new V1ObjectMeta { Name = "web", NamespaceProperty = "default" }, new V1OwnerReference(), null, null, data, 1);
        Assert.Equal(data, ControllerHistory.DataOf(revision));
        Assert.Equal("nginx:1.26", ControllerHistory.TemplateOf(revision).Spec.Containers[0].Image);

        // The hash depends on the data and the collision count, and is in the safe alphabet.
        var hash = ControllerHistory.Hash(data, 0);
        Assert.NotEqual(hash, ControllerHistory.Hash(data, 1));
        Assert.Matches("^[bcdfghjklmnpqrstvwxz2456789]+$", hash);
        Assert.Equal(new string('a', 223) + "-h", ControllerHistory.Name(new string('a', 300), "h"));
    }

    [Fact]
    public void Json_is_written_as_Go_writes_a_map()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse("""{"b":1.0,"a":"<x>&é","c":null,"d":[2.5,100000000]}""");
        Assert.Equal("""{"a":"\u003cx\u003e\u0026é","b":1,"c":null,"d":[2.5,100000000]}""", GoJson.Compact(node, GoNumbers.Float64));
    }

    private static V1DaemonSet DaemonSet(string image, int? historyLimit = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "agent", NamespaceProperty = "default", Generation = 1, Uid = "ds-uid",
            Annotations = new Dictionary<string, string> { ["kubernetes.io/change-cause"] = "image " + image },
        },
        Spec = new V1DaemonSetSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "agent" } },
            Template = ControllerHarness.Template("agent", image),
            UpdateStrategy = new V1DaemonSetUpdateStrategy { Type = "RollingUpdate" },
            RevisionHistoryLimit = historyLimit,
        },
    };

    private static async Task SyncAsync(ControllerHarness h, Func<string, CancellationToken, Task> sync, string key)
    {
        await h.CaughtUpAsync<V1ControllerRevision>();
        await h.CaughtUpAsync<V1DaemonSet>();
        await h.CaughtUpAsync<V1StatefulSet>();
        await h.CaughtUpAsync<V1Pod>();
        await sync(key, h.Token);
        await h.CaughtUpAsync<V1ControllerRevision>();
        await h.CaughtUpAsync<V1Pod>();
        await h.CaughtUpAsync<V1DaemonSet>();
        await h.CaughtUpAsync<V1StatefulSet>();
    }

    private static async Task SetImageAsync<T>(ControllerHarness h, string name, string image, Action<T, string> set)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var copy = ObjectCopy.Clone(h.Api.Peek<T>("default", name)!);
        set(copy, image);
        await h.Api.UpdateAsync(copy, h.Token);
    }

    [Fact]
    public async Task A_daemon_set_keeps_one_revision_per_template_renumbers_on_rollback_and_truncates_history()
    {
        await using var h = new ControllerHarness();
        using var controller = new DaemonSetController(h.Context);
        h.Api.Seed(new V1Node { Metadata = new V1ObjectMeta { Name = "n1" } });
        h.Api.Seed(DaemonSet("busybox:1", historyLimit: 1));
        await h.StartAsync();
        await SyncAsync(h, controller.SyncAsync, "default/agent");

        var first = Assert.Single(h.Api.All<V1ControllerRevision>());
        var hash = first.Metadata.Labels[DaemonPods.RevisionHashLabel];
        Assert.Equal($"agent-{hash}", first.Metadata.Name);
        Assert.Equal(1L, first.Revision);
        Assert.Equal("agent", first.Metadata.Labels["app"]);
        Assert.Equal("image busybox:1", first.Metadata.Annotations["kubernetes.io/change-cause"]);
        Assert.Equal(("DaemonSet", "ds-uid", true), (first.Metadata.OwnerReferences[0].Kind, first.Metadata.OwnerReferences[0].Uid, first.Metadata.OwnerReferences[0].Controller == true));
        Assert.Equal(hash, Assert.Single(h.Api.All<V1Pod>()).Metadata.Labels[DaemonPods.RevisionHashLabel]);

        await SetImageAsync<V1DaemonSet>(h, "agent", "busybox:2", (d, i) => d.Spec.Template.Spec.Containers[0].Image = i);
        await SyncAsync(h, controller.SyncAsync, "default/agent");
        var second = h.Api.All<V1ControllerRevision>().Single(r => r.Metadata.Name != first.Metadata.Name);
        Assert.Equal(2L, second.Revision);
        Assert.Equal("busybox:2", ControllerHistory.TemplateOf(second).Spec.Containers[0].Image);

        // Rollback: the old revision is renumbered, no new one is made.
        await SetImageAsync<V1DaemonSet>(h, "agent", "busybox:1", (d, i) => d.Spec.Template.Spec.Containers[0].Image = i);
        await SyncAsync(h, controller.SyncAsync, "default/agent");
        Assert.Equal(3L, h.Api.Peek<V1ControllerRevision>("default", first.Metadata.Name)!.Revision);
        Assert.Equal(2, h.Api.All<V1ControllerRevision>().Count);

        // A third template with a history limit of 1: the oldest revision no pod runs is deleted.
        await SetImageAsync<V1DaemonSet>(h, "agent", "busybox:3", (d, i) => d.Spec.Template.Spec.Containers[0].Image = i);
        foreach (var pod in h.Api.All<V1Pod>())
        {
            await h.Api.DeleteAsync<V1Pod>("default", pod.Metadata.Name, null, h.Token);
        }

        await SyncAsync(h, controller.SyncAsync, "default/agent");
        await SyncAsync(h, controller.SyncAsync, "default/agent");
        var left = h.Api.All<V1ControllerRevision>().OrderBy(r => r.Revision).ToList();
        Assert.Equal([3L, 4L], left.Select(r => r.Revision ?? 0));
        Assert.Equal("busybox:3", ControllerHistory.TemplateOf(left[1]).Spec.Containers[0].Image);
    }

    [Fact]
    public async Task A_daemon_set_adopts_an_orphan_revision_that_its_selector_matches()
    {
        await using var h = new ControllerHarness();
        using var controller = new DaemonSetController(h.Context);
        var ds = DaemonSet("busybox:1");
        var orphan = ControllerHistory.New(ds.Metadata, new V1OwnerReference(), ds.Spec.Template.Metadata.Labels, null, ControllerHistory.TemplatePatch(ds.Spec.Template), 1);
        orphan.Metadata.Name = "agent-orphan";
        orphan.Metadata.OwnerReferences = null;
        h.Api.Seed(orphan);
        h.Api.Seed(ds);
        await h.StartAsync();
        await SyncAsync(h, controller.SyncAsync, "default/agent");
        var adopted = Assert.Single(h.Api.All<V1ControllerRevision>());
        Assert.Equal("ds-uid", adopted.Metadata.OwnerReferences.Single(o => o.Controller == true).Uid);
    }

    private static V1StatefulSet Set(string image, int partition) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Generation = 1, Uid = "sts-uid" },
        Spec = new V1StatefulSetSpec
        {
            Replicas = 3,
            ServiceName = "nginx",
            PodManagementPolicy = "Parallel",
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Template = ControllerHarness.Template("web", image),
            UpdateStrategy = new V1StatefulSetUpdateStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateStatefulSetStrategy { Partition = partition } },
        },
    };

    [Fact]
    public async Task A_stateful_set_records_revisions_and_recreates_pods_below_the_partition_from_the_current_one()
    {
        await using var h = new ControllerHarness();
        using var controller = new StatefulSetController(h.Context);
        h.Api.Seed(Set("nginx:1.26", partition: 2));
        await h.StartAsync();
        async Task ReadyAllAsync()
        {
            foreach (var pod in h.Api.All<V1Pod>().Where(p => p.Status?.Phase != "Running"))
            {
                await h.MakeReadyAsync(pod, h.Time.GetUtcNow());
            }
        }

        await SyncAsync(h, controller.SyncAsync, "default/web");
        await ReadyAllAsync();
        await SyncAsync(h, controller.SyncAsync, "default/web");
        var first = Assert.Single(h.Api.All<V1ControllerRevision>());
        var hash = first.Metadata.Labels[ControllerHistory.HashLabel];
        Assert.Equal($"web-{hash}", first.Metadata.Name);
        Assert.Equal(ControllerHistory.Hash(ControllerHistory.DataOf(first), 0), hash);
        Assert.Equal((1L, "web"), (first.Revision ?? 0, first.Metadata.Labels["app"]));
        var status = h.Api.Peek<V1StatefulSet>("default", "web")!.Status;
        Assert.Equal((first.Metadata.Name, first.Metadata.Name, 0), (status.CurrentRevision, status.UpdateRevision, status.CollisionCount ?? -1));
        Assert.All(h.Api.All<V1Pod>(), p => Assert.Equal(first.Metadata.Name, p.Metadata.Labels[StatefulPods.RevisionLabel]));

        // New template, partition 2: only web-2 moves to the update revision.
        await SetImageAsync<V1StatefulSet>(h, "web", "nginx:1.27", (s, i) => s.Spec.Template.Spec.Containers[0].Image = i);
        await SyncAsync(h, controller.SyncAsync, "default/web");
        await SyncAsync(h, controller.SyncAsync, "default/web");
        await ReadyAllAsync();
        await SyncAsync(h, controller.SyncAsync, "default/web");
        var update = h.Api.All<V1ControllerRevision>().Single(r => r.Metadata.Name != first.Metadata.Name);
        Assert.Equal(2L, update.Revision);
        status = h.Api.Peek<V1StatefulSet>("default", "web")!.Status;
        Assert.Equal((first.Metadata.Name, update.Metadata.Name), (status.CurrentRevision, status.UpdateRevision));
        Assert.Equal("nginx:1.27", h.Api.Peek<V1Pod>("default", "web-2")!.Spec.Containers[0].Image);
        Assert.Equal(update.Metadata.Name, h.Api.Peek<V1Pod>("default", "web-2")!.Metadata.Labels[StatefulPods.RevisionLabel]);

        // web-0 deleted: it comes back with the current (old) revision's template.
        await h.Api.DeleteAsync<V1Pod>("default", "web-0", null, h.Token);
        await SyncAsync(h, controller.SyncAsync, "default/web");
        var recreated = h.Api.Peek<V1Pod>("default", "web-0")!;
        Assert.Equal("nginx:1.26", recreated.Spec.Containers[0].Image);
        Assert.Equal(first.Metadata.Name, recreated.Metadata.Labels[StatefulPods.RevisionLabel]);
    }

    [Fact]
    public async Task A_stateful_set_name_collision_bumps_the_collision_count()
    {
        await using var h = new ControllerHarness();
        using var controller = new StatefulSetController(h.Context);
        var set = Set("nginx:1.26", partition: 0);
        var data = ControllerHistory.TemplatePatch(set.Spec.Template);
        // Someone else's revision already holds the name the set's data hashes to (with collision count 0).
        var squatter = ControllerHistory.New(set.Metadata, new V1OwnerReference { Kind = "Other", Name = "x", Uid = "other", Controller = true },
            new Dictionary<string, string> { ["app"] = "other" }, null, "{\"other\":true}", 1);
        squatter.Metadata.Name = ControllerHistory.Name("web", ControllerHistory.Hash(data, 0));
        h.Api.Seed(squatter);
        h.Api.Seed(set);
        await h.StartAsync();
        await SyncAsync(h, controller.SyncAsync, "default/web");
        var status = h.Api.Peek<V1StatefulSet>("default", "web")!.Status;
        Assert.Equal(1, status.CollisionCount);
        Assert.Equal(ControllerHistory.Name("web", ControllerHistory.Hash(data, 1)), status.UpdateRevision);
        Assert.NotNull(h.Api.Peek<V1ControllerRevision>("default", status.UpdateRevision));
    }
}
