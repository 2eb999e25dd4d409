using k8s.Models;
using Skiff.Client;
using Skiff.Controllers.Disruption;

namespace Skiff.Controllers.Tests;

public sealed class DisruptionControllerTests
{
    [Theory]
    [InlineData("3", null, 4, 4, 3)] // minAvailable count: expected = the pods found
    [InlineData("50%", null, 4, 5, 3)] // minAvailable percent of the controllers' 5 replicas, rounded up
    [InlineData(null, "1", 4, 5, 4)] // maxUnavailable count against the scale
    [InlineData(null, "30%", 4, 5, 3)] // 30% of 5 rounds up to 2 unavailable
    [InlineData(null, "100%", 4, 5, 0)]
    public void Expected_and_desired_follow_upstream(string? minAvailable, string? maxUnavailable, int pods, int scale, int desired)
    {
        var spec = new V1PodDisruptionBudgetSpec
        {
            MinAvailable = minAvailable is null ? null : (IntOrString)minAvailable,
            MaxUnavailable = maxUnavailable is null ? null : (IntOrString)maxUnavailable,
        };
        var (expected, desiredHealthy) = DisruptionBudgets.Expected(spec, pods, () => scale);
        Assert.Equal(minAvailable is { } m && !m.EndsWith('%') ? pods : scale, expected);
        Assert.Equal(desired, desiredHealthy);
    }

    [Theory]
    [InlineData(3, 2, 3, 1)]
    [InlineData(2, 2, 3, 0)]
    [InlineData(1, 2, 3, 0)]
    [InlineData(3, 0, 0, 0)]
    public void Disruptions_allowed_is_the_healthy_surplus(int healthy, int desired, int expected, int allowed) =>
        Assert.Equal(allowed, DisruptionBudgets.DisruptionsAllowed(healthy, desired, expected));

    private static async Task<V1ReplicaSet> ReplicaSetWithPodsAsync(ControllerHarness h, int replicas, int ready)
    {
        var rs = h.Api.Seed(new V1ReplicaSet
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Uid = "rs-uid" },
            Spec = new V1ReplicaSetSpec { Replicas = replicas, Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } }, Template = ControllerHarness.Template("web", "nginx") },
        });
        for (var i = 0; i < replicas; i++)
        {
            h.Api.Seed(new V1Pod
            {
                Metadata = new V1ObjectMeta
                {
                    Name = $"web-{i}",
                    NamespaceProperty = "default",
                    Labels = new Dictionary<string, string> { ["app"] = "web" },
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "web", Uid = "rs-uid", Controller = true }],
                },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
                Status = new V1PodStatus { Phase = "Running", Conditions = [new V1PodCondition { Type = "Ready", Status = i < ready ? "True" : "False" }] },
            });
        }

        await Task.CompletedTask;
        return rs;
    }

    private static V1PodDisruptionBudget Budget(string? minAvailable = null, string? maxUnavailable = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Generation = 2 },
        Spec = new V1PodDisruptionBudgetSpec
        {
            MinAvailable = minAvailable is null ? null : (IntOrString)minAvailable,
            MaxUnavailable = maxUnavailable is null ? null : (IntOrString)maxUnavailable,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
        },
    };

    [Fact]
    public async Task Status_counts_healthy_pods_against_min_available()
    {
        await using var h = new ControllerHarness();
        using var controller = new DisruptionController(h.Context);
        await ReplicaSetWithPodsAsync(h, replicas: 3, ready: 3);
        h.Api.Seed(Budget(minAvailable: "2"));
        await h.StartAsync();

        await controller.SyncAsync("default/web", h.Token);

        var status = h.Api.Peek<V1PodDisruptionBudget>("default", "web")!.Status;
        Assert.Equal((3, 3, 2, 1, 2L), (status.ExpectedPods, status.CurrentHealthy, status.DesiredHealthy, status.DisruptionsAllowed, status.ObservedGeneration!.Value));
        var condition = Assert.Single(status.Conditions);
        Assert.Equal(("DisruptionAllowed", "True", "SufficientPods"), (condition.Type, condition.Status, condition.Reason));
    }

    [Fact]
    public async Task Max_unavailable_percent_uses_the_replicas_and_unready_pods_leave_no_disruption()
    {
        await using var h = new ControllerHarness();
        using var controller = new DisruptionController(h.Context);
        await ReplicaSetWithPodsAsync(h, replicas: 4, ready: 2);
        h.Api.Seed(Budget(maxUnavailable: "50%"));
        await h.StartAsync();

        await controller.SyncAsync("default/web", h.Token);

        var status = h.Api.Peek<V1PodDisruptionBudget>("default", "web")!.Status;
        Assert.Equal((4, 2, 2, 0), (status.ExpectedPods, status.CurrentHealthy, status.DesiredHealthy, status.DisruptionsAllowed));
        Assert.Equal(("False", "InsufficientPods"), (status.Conditions[0].Status, status.Conditions[0].Reason));
    }

    [Fact]
    public async Task A_pending_eviction_is_not_counted_healthy_until_it_shows_or_times_out()
    {
        await using var h = new ControllerHarness();
        using var controller = new DisruptionController(h.Context);
        await ReplicaSetWithPodsAsync(h, replicas: 3, ready: 3);
        var budget = Budget(minAvailable: "1");
        budget.Status = new V1PodDisruptionBudgetStatus { DisruptedPods = new Dictionary<string, DateTime?> { ["web-0"] = h.Time.GetUtcNow().UtcDateTime, ["gone"] = h.Time.GetUtcNow().UtcDateTime } };
        h.Api.Seed(budget);
        await h.StartAsync();

        await controller.SyncAsync("default/web", h.Token);
        var status = h.Api.Peek<V1PodDisruptionBudget>("default", "web")!.Status;
        Assert.Equal((2, 1), (status.CurrentHealthy, status.DisruptionsAllowed));
        Assert.Equal(["web-0"], status.DisruptedPods.Keys);

        await h.CaughtUpAsync<V1PodDisruptionBudget>();
        h.Time.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        await controller.SyncAsync("default/web", h.Token);
        status = h.Api.Peek<V1PodDisruptionBudget>("default", "web")!.Status;
        Assert.Equal((3, 2), (status.CurrentHealthy, status.DisruptionsAllowed));
        Assert.Null(status.DisruptedPods);
    }

    [Fact]
    public async Task Pods_without_a_controller_fail_safe_for_a_percentage()
    {
        await using var h = new ControllerHarness();
        using var controller = new DisruptionController(h.Context);
        h.Api.Seed(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "bare", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
            Status = new V1PodStatus { Phase = "Running", Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }] },
        });
        h.Api.Seed(Budget(maxUnavailable: "10%"));
        await h.StartAsync();

        await controller.SyncAsync("default/web", h.Token);

        var status = h.Api.Peek<V1PodDisruptionBudget>("default", "web")!.Status;
        Assert.Equal(0, status.DisruptionsAllowed);
        Assert.Equal(("False", "SyncFailed"), (status.Conditions[0].Status, status.Conditions[0].Reason));
        Assert.Contains("found no controllers for pod \"bare\"", status.Conditions[0].Message, StringComparison.Ordinal);
    }
}
