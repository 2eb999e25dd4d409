using k8s.Models;
using Skiff.Client;
using Skiff.Controllers.Deployments;

namespace Skiff.Controllers.Tests;

public sealed class DeploymentControllerTests
{
    private static V1Deployment Deployment(int replicas, string strategy = "RollingUpdate", string? maxSurge = null, string? maxUnavailable = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            RevisionHistoryLimit = 10,
            ProgressDeadlineSeconds = 600,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Template = ControllerHarness.Template("web", "nginx:1"),
            Strategy = new V1DeploymentStrategy
            {
                Type = strategy,
                RollingUpdate = strategy == "RollingUpdate" ? new V1RollingUpdateDeployment { MaxSurge = maxSurge ?? "25%", MaxUnavailable = maxUnavailable ?? "25%" } : null,
            },
        },
    };

    /// <summary>Plays the ReplicaSet controller and kubelets: every ReplicaSet has its spec's pods at once; the new
    /// ones become available <paramref name="perStep"/> at a time, removed ones vanish.</summary>
    private static async Task SimulateReplicaSetsAsync(ControllerHarness h, int perStep)
    {
        foreach (var rs in h.Api.All<V1ReplicaSet>())
        {
            var copy = ObjectCopy.Clone(rs);
            var spec = copy.Spec.Replicas ?? 0;
            var available = copy.Status?.AvailableReplicas ?? 0;
            available = available >= spec ? spec : Math.Min(spec, available + perStep);
            copy.Status = new V1ReplicaSetStatus
            {
                Replicas = spec, FullyLabeledReplicas = spec, ReadyReplicas = available, AvailableReplicas = available, ObservedGeneration = copy.Metadata.Generation,
            };
            await h.Api.UpdateStatusAsync(copy, h.Token);
        }
    }

    private static async Task<V1Deployment> SyncAsync(ControllerHarness h, DeploymentController controller)
    {
        await h.CaughtUpAsync();
        await controller.SyncAsync("default/web", h.Token);
        await h.CaughtUpAsync();
        return h.Api.Peek<V1Deployment>("default", "web")!;
    }

    private static bool Complete(V1Deployment d, ControllerHarness h) =>
        d.Status is { } s && s.UpdatedReplicas == d.Spec.Replicas && s.AvailableReplicas == d.Spec.Replicas && s.Replicas == d.Spec.Replicas
        && h.Api.All<V1ReplicaSet>().Count(rs => rs.Spec.Replicas > 0) == 1;

    private static async Task<V1Deployment> RollOutAsync(ControllerHarness h, DeploymentController controller, int maxSteps, Action<IReadOnlyList<V1ReplicaSet>>? check = null)
    {
        var d = h.Api.Peek<V1Deployment>("default", "web")!;
        for (var step = 0; step < maxSteps; step++)
        {
            d = await SyncAsync(h, controller);
            check?.Invoke(h.Api.All<V1ReplicaSet>());
            await SimulateReplicaSetsAsync(h, perStep: 2);
            check?.Invoke(h.Api.All<V1ReplicaSet>());
            d = await SyncAsync(h, controller);
            if (Complete(d, h))
            {
                return d;
            }
        }

        throw new InvalidOperationException("the rollout did not complete");
    }

    [Fact]
    public void Fenceposts_round_surge_up_and_unavailable_down_and_are_never_both_zero()
    {
        Assert.Equal((3, 2), DeploymentUtil.ResolveFenceposts(Deployment(10)));
        Assert.Equal((1, 0), DeploymentUtil.ResolveFenceposts(Deployment(1)));
        Assert.Equal((0, 1), DeploymentUtil.ResolveFenceposts(Deployment(5, maxSurge: "0", maxUnavailable: "0%")));
        Assert.Equal((2, 3), DeploymentUtil.ResolveFenceposts(Deployment(5, maxSurge: "2", maxUnavailable: "3")));
    }

    [Theory]
    [InlineData(10, "3", "2")]
    [InlineData(10, "25%", "25%")]
    [InlineData(5, "0", "1")]
    [InlineData(5, "1", "0")]
    [InlineData(3, "100%", "0")]
    public async Task A_rolling_update_never_exceeds_maxSurge_nor_falls_below_the_allowed_availability(int replicas, string maxSurge, string maxUnavailable)
    {
        await using var h = new ControllerHarness();
        using var controller = new DeploymentController(h.Context);
        h.Api.Seed(Deployment(replicas, maxSurge: maxSurge, maxUnavailable: maxUnavailable));
        await h.StartAsync();
        await RollOutAsync(h, controller, 20);
        var first = Assert.Single(h.Api.All<V1ReplicaSet>());
        Assert.Equal("1", first.Metadata.Annotations[DeploymentUtil.RevisionAnnotation]);
        Assert.Equal(first.Metadata.Labels[DeploymentUtil.PodTemplateHashLabel], first.Spec.Selector.MatchLabels[DeploymentUtil.PodTemplateHashLabel]);

        var deployment = ObjectCopy.Clone(h.Api.Peek<V1Deployment>("default", "web")!);
        deployment.Spec.Template = ControllerHarness.Template("web", "nginx:2");
        await h.Api.UpdateAsync(deployment, h.Token);
        var (surge, unavailable) = DeploymentUtil.ResolveFenceposts(deployment);
        var states = 0;
        var done = await RollOutAsync(h, controller, 40, all =>
        {
            states++;
            Assert.True(all.Sum(rs => rs.Spec.Replicas ?? 0) <= replicas + surge, $"more than {replicas}+{surge} pods wanted");
            Assert.True(all.Sum(rs => rs.Status?.AvailableReplicas ?? 0) >= replicas - unavailable, $"fewer than {replicas}-{unavailable} available");
        });

        Assert.True(states > 2);
        Assert.Equal("2", done.Metadata.Annotations[DeploymentUtil.RevisionAnnotation]);
        var newest = h.Api.All<V1ReplicaSet>().Single(rs => rs.Spec.Replicas > 0);
        Assert.Equal("nginx:2", newest.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("2", newest.Metadata.Annotations[DeploymentUtil.RevisionAnnotation]);
        var progressing = done.Status.Conditions.Single(c => c.Type == "Progressing");
        Assert.Equal(("True", "NewReplicaSetAvailable"), (progressing.Status, progressing.Reason));
        Assert.Equal("True", done.Status.Conditions.Single(c => c.Type == "Available").Status);
    }

    [Fact]
    public async Task A_sync_that_does_not_see_its_own_new_ReplicaSet_yet_takes_it_rather_than_count_a_collision()
    {
        await using var h = new ControllerHarness();
        using var controller = new DeploymentController(h.Context);
        var deployment = h.Api.Seed(Deployment(3));
        await h.StartAsync();
        await h.CaughtUpAsync();

        // The ReplicaSet an earlier sync created, which the caches have not shown yet: this sync creates it again
        // and is told it exists.
        h.Api.StallWatches();
        var hash = DeploymentUtil.ComputeHash(deployment.Spec.Template, null);
        var template = ControllerHarness.Template("web", "nginx:1");
        template.Metadata.Labels[DeploymentUtil.PodTemplateHashLabel] = hash;
        await h.Api.CreateAsync(new V1ReplicaSet
        {
            ApiVersion = "apps/v1",
            Kind = "ReplicaSet",
            Metadata = new V1ObjectMeta
            {
                Name = "web-" + hash,
                NamespaceProperty = "default",
                Labels = new Dictionary<string, string>(template.Metadata.Labels),
                OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web", Uid = deployment.Metadata.Uid, Controller = true, BlockOwnerDeletion = true }],
            },
            Spec = new V1ReplicaSetSpec
            {
                Replicas = 3,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web", [DeploymentUtil.PodTemplateHashLabel] = hash } },
                Template = template,
            },
        }, h.Token);

        await controller.SyncAsync("default/web", h.Token);

        Assert.Equal("web-" + hash, Assert.Single(h.Api.All<V1ReplicaSet>()).Metadata.Name);
        Assert.Null(h.Api.Peek<V1Deployment>("default", "web")!.Status?.CollisionCount);
    }

    [Fact]
    public async Task Rolling_back_to_an_old_template_reuses_its_ReplicaSet_with_the_next_revision()
    {
        await using var h = new ControllerHarness();
        using var controller = new DeploymentController(h.Context);
        h.Api.Seed(Deployment(2));
        await h.StartAsync();
        await RollOutAsync(h, controller, 20);
        var d = ObjectCopy.Clone(h.Api.Peek<V1Deployment>("default", "web")!);
        d.Spec.Template = ControllerHarness.Template("web", "nginx:2");
        await h.Api.UpdateAsync(d, h.Token);
        await RollOutAsync(h, controller, 20);
        d = ObjectCopy.Clone(h.Api.Peek<V1Deployment>("default", "web")!);
        d.Spec.Template = ControllerHarness.Template("web", "nginx:1");
        await h.Api.UpdateAsync(d, h.Token);
        await RollOutAsync(h, controller, 20);

        var sets = h.Api.All<V1ReplicaSet>();
        Assert.Equal(2, sets.Count);
        var current = sets.Single(rs => rs.Spec.Replicas > 0);
        Assert.Equal("nginx:1", current.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("3", current.Metadata.Annotations[DeploymentUtil.RevisionAnnotation]);
        Assert.Equal("1", current.Metadata.Annotations[DeploymentUtil.RevisionHistoryAnnotation]);
    }

    [Fact]
    public async Task Recreate_scales_the_old_ReplicaSet_to_zero_before_creating_the_new_one()
    {
        await using var h = new ControllerHarness();
        using var controller = new DeploymentController(h.Context);
        h.Api.Seed(Deployment(3, strategy: "Recreate"));
        await h.StartAsync();
        await RollOutAsync(h, controller, 10);
        var d = ObjectCopy.Clone(h.Api.Peek<V1Deployment>("default", "web")!);
        d.Spec.Template = ControllerHarness.Template("web", "nginx:2");
        await h.Api.UpdateAsync(d, h.Token);

        await SyncAsync(h, controller);
        var old = Assert.Single(h.Api.All<V1ReplicaSet>());
        Assert.Equal(0, old.Spec.Replicas);
        await SyncAsync(h, controller); // old pods still counted in status: nothing new yet
        Assert.Single(h.Api.All<V1ReplicaSet>());

        await SimulateReplicaSetsAsync(h, 3);
        await SyncAsync(h, controller);
        var created = h.Api.All<V1ReplicaSet>().Single(rs => rs.Spec.Replicas > 0);
        Assert.Equal(3, created.Spec.Replicas);
    }

    [Fact]
    public async Task A_rollout_without_progress_past_its_deadline_reports_ProgressDeadlineExceeded()
    {
        await using var h = new ControllerHarness();
        using var controller = new DeploymentController(h.Context);
        var seeded = Deployment(2);
        seeded.Spec.ProgressDeadlineSeconds = 60;
        h.Api.Seed(seeded);
        await h.StartAsync();
        await SyncAsync(h, controller);
        await SyncAsync(h, controller);
        h.Time.Advance(TimeSpan.FromSeconds(61));
        var d = await SyncAsync(h, controller);

        var progressing = d.Status.Conditions.Single(c => c.Type == "Progressing");
        Assert.Equal(("False", "ProgressDeadlineExceeded"), (progressing.Status, progressing.Reason));
        Assert.Equal("False", d.Status.Conditions.Single(c => c.Type == "Available").Status);
    }

    [Fact]
    public async Task Scaling_a_paused_deployment_scales_its_ReplicaSet_and_shows_DeploymentPaused()
    {
        await using var h = new ControllerHarness();
        using var controller = new DeploymentController(h.Context);
        h.Api.Seed(Deployment(2));
        await h.StartAsync();
        await RollOutAsync(h, controller, 10);
        var d = ObjectCopy.Clone(h.Api.Peek<V1Deployment>("default", "web")!);
        d.Spec.Paused = true;
        d.Spec.Replicas = 5;
        d.Spec.Template = ControllerHarness.Template("web", "nginx:2");
        await h.Api.UpdateAsync(d, h.Token);

        d = await SyncAsync(h, controller);

        var rs = Assert.Single(h.Api.All<V1ReplicaSet>()); // paused: no rollout of the new template
        Assert.Equal(5, rs.Spec.Replicas);
        Assert.Equal("DeploymentPaused", d.Status.Conditions.Single(c => c.Type == "Progressing").Reason);
    }
}
