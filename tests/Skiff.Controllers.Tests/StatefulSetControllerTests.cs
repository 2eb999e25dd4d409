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

    private static V1StatefulSet SetWithClaims(int replicas, string whenDeleted = "Retain", string whenScaled = "Retain")
    {
        var set = Set(replicas, "Parallel");
        set.Spec.VolumeClaimTemplates =
        [
            new V1PersistentVolumeClaim
            {
                Metadata = new V1ObjectMeta { Name = "data", Labels = new Dictionary<string, string> { ["tier"] = "db" } },
                Spec = new V1PersistentVolumeClaimSpec
                {
                    AccessModes = ["ReadWriteOnce"],
                    Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
                },
            },
        ];
        set.Spec.Template.Spec.Volumes = [new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }, new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() }];
        set.Spec.PersistentVolumeClaimRetentionPolicy = new V1StatefulSetPersistentVolumeClaimRetentionPolicy { WhenDeleted = whenDeleted, WhenScaled = whenScaled };
        return set;
    }

    private static async Task SyncSetAsync(ControllerHarness h, StatefulSetController controller)
    {
        await h.CaughtUpAsync<V1StatefulSet>();
        await h.CaughtUpAsync<V1Pod>();
        await h.CaughtUpAsync<V1PersistentVolumeClaim>();
        await controller.SyncAsync("default/web", h.Token);
        await h.CaughtUpAsync<V1Pod>();
        await h.CaughtUpAsync<V1PersistentVolumeClaim>();
        await h.CaughtUpAsync<V1StatefulSet>();
    }

    private static async Task<IReadOnlyList<string>> EventsAsync(ControllerHarness h, int atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var messages = h.Api.All<Corev1Event>().Select(e => $"{e.Type} {e.Reason} {e.Message}").ToList();
            if (messages.Count >= atLeast || DateTime.UtcNow > deadline)
            {
                return messages;
            }

            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Claim_templates_become_each_pods_claims_before_the_pod_with_the_selector_labels()
    {
        await using var h = new ControllerHarness();
        using var controller = new StatefulSetController(h.Context);
        h.Api.Seed(SetWithClaims(2));
        await h.StartAsync();

        await SyncSetAsync(h, controller);
        await SyncSetAsync(h, controller);

        Assert.Equal(["data-web-0", "data-web-1"], h.Api.All<V1PersistentVolumeClaim>().Select(c => c.Metadata.Name).Order(StringComparer.Ordinal));
        var claim = h.Api.Peek<V1PersistentVolumeClaim>("default", "data-web-0")!;
        Assert.Equal(new Dictionary<string, string> { ["app"] = "web", ["tier"] = "db" }, claim.Metadata.Labels);
        Assert.Null(claim.Metadata.OwnerReferences); // Retain/Retain: nobody owns the claims
        Assert.Equal("1Gi", claim.Spec.Resources.Requests["storage"].ToString());

        // The claim's creation came before its pod's.
        var creates = h.Api.Calls.Where(c => c.Verb == "create").Select(c => c.Resource).ToList();
        Assert.True(creates.FindIndex(r => r.Contains("persistentvolumeclaims", StringComparison.Ordinal)) < creates.FindIndex(r => r.Contains("pods", StringComparison.Ordinal)));

        var pod = h.Api.Peek<V1Pod>("default", "web-1")!;
        Assert.Equal(["data", "scratch"], pod.Spec.Volumes.Select(v => v.Name));
        Assert.Equal("data-web-1", pod.Spec.Volumes[0].PersistentVolumeClaim.ClaimName);
        Assert.Null(pod.Spec.Volumes[0].EmptyDir);

        var events = await EventsAsync(h, 4);
        Assert.Contains("Normal SuccessfulCreate create Claim data-web-0 Pod web-0 in StatefulSet web success", events);
        Assert.Contains("Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful", events);

        // A pod deleted and re-created finds its claim and does not create it again.
        var claimsCreated = h.Api.Calls.Count(c => c.Verb == "create" && c.Resource.Contains("persistentvolumeclaims", StringComparison.Ordinal));
        await h.Api.DeleteAsync<V1Pod>("default", "web-0", null, h.Token);
        await SyncSetAsync(h, controller);
        Assert.NotNull(h.Api.Peek<V1Pod>("default", "web-0"));
        Assert.Equal(claimsCreated, h.Api.Calls.Count(c => c.Verb == "create" && c.Resource.Contains("persistentvolumeclaims", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_refused_claim_keeps_the_pod_from_being_created_and_records_FailedCreate()
    {
        await using var h = new ControllerHarness();
        using var controller = new StatefulSetController(h.Context);
        var set = SetWithClaims(1);
        h.Api.Seed(set);
        await h.StartAsync();
        h.Api.FailNext("create", "persistentvolumeclaims", new Client.Api.ApiException(System.Net.HttpStatusCode.Forbidden, new V1Status { Reason = "Forbidden", Message = "exceeded quota" }, "exceeded quota"));

        await Assert.ThrowsAsync<StatefulClaimsException>(() => controller.SyncAsync("default/web", h.Token));

        Assert.Empty(h.Api.All<V1Pod>());
        var events = await EventsAsync(h, 2);
        Assert.Contains("Warning FailedCreate create Claim data-web-0 for Pod web-0 in StatefulSet web failed error: failed to create PVC data-web-0: exceeded quota", events);
        Assert.Contains("Warning FailedCreate create Pod web-0 in StatefulSet web failed error: failed to create PVC data-web-0: exceeded quota", events);

        await SyncSetAsync(h, controller);
        Assert.NotNull(h.Api.Peek<V1PersistentVolumeClaim>("default", "data-web-0"));
        Assert.NotNull(h.Api.Peek<V1Pod>("default", "web-0"));
    }

    [Fact]
    public async Task Retention_policy_delete_gives_the_claims_to_the_set_or_to_the_pod_scaled_away()
    {
        await using var h = new ControllerHarness();
        using var controller = new StatefulSetController(h.Context);
        h.Api.Seed(SetWithClaims(2, whenDeleted: "Delete", whenScaled: "Delete"));
        await h.StartAsync();
        await SyncSetAsync(h, controller);

        var owners = h.Api.Peek<V1PersistentVolumeClaim>("default", "data-web-1")!.Metadata.OwnerReferences;
        var owner = Assert.Single(owners);
        Assert.Equal(("apps/v1", "StatefulSet", "web", "sts-uid"), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid));
        Assert.Null(owner.Controller);

        // Scaled to 1: web-1's claim moves from the set to the pod, so the garbage collector removes it with the pod.
        var scaled = Client.ObjectCopy.Clone(h.Api.Peek<V1StatefulSet>("default", "web")!);
        scaled.Spec.Replicas = 1;
        await h.Api.UpdateAsync(scaled, h.Token);
        await SyncSetAsync(h, controller);
        Assert.Contains(h.Api.Calls, c => c.Verb == "delete" && c.Resource.Contains("pods", StringComparison.Ordinal));
        var moved = Assert.Single(h.Api.Peek<V1PersistentVolumeClaim>("default", "data-web-1")!.Metadata.OwnerReferences);
        Assert.Equal(("v1", "Pod", "web-1"), (moved.ApiVersion, moved.Kind, moved.Name));
        Assert.Equal("StatefulSet", Assert.Single(h.Api.Peek<V1PersistentVolumeClaim>("default", "data-web-0")!.Metadata.OwnerReferences).Kind);

        // Back to Retain/Retain: the references go.
        var retained = Client.ObjectCopy.Clone(h.Api.Peek<V1StatefulSet>("default", "web")!);
        retained.Spec.PersistentVolumeClaimRetentionPolicy = new V1StatefulSetPersistentVolumeClaimRetentionPolicy { WhenDeleted = "Retain", WhenScaled = "Retain" };
        await h.Api.UpdateAsync(retained, h.Token);
        await SyncSetAsync(h, controller);
        Assert.Null(h.Api.Peek<V1PersistentVolumeClaim>("default", "data-web-0")!.Metadata.OwnerReferences);
    }
}
