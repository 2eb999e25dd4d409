using k8s.Models;
using Skiff.Client;
using Skiff.Controllers.DaemonSets;

namespace Skiff.Controllers.Tests;

public sealed class DaemonSetControllerTests
{
    private static V1DaemonSet DaemonSet(V1DaemonSetUpdateStrategy? strategy = null, IDictionary<string, string>? nodeSelector = null)
    {
        var template = ControllerHarness.Template("agent", "busybox");
        template.Spec.NodeSelector = nodeSelector;
        return new V1DaemonSet
        {
            Metadata = new V1ObjectMeta { Name = "agent", NamespaceProperty = "default", Generation = 1, Uid = "ds-uid" },
            Spec = new V1DaemonSetSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "agent" } },
                Template = template,
                UpdateStrategy = strategy ?? new V1DaemonSetUpdateStrategy { Type = "RollingUpdate" },
            },
        };
    }

    private static V1Node Node(string name, IDictionary<string, string>? labels = null, params V1Taint[] taints) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        Spec = new V1NodeSpec { Taints = taints.Length == 0 ? null : taints },
    };

    private static async Task SyncAsync(ControllerHarness h, DaemonSetController controller)
    {
        await h.CaughtUpAsync<V1Node>();
        await h.CaughtUpAsync<V1DaemonSet>();
        await h.CaughtUpAsync<V1Pod>();
        await controller.SyncAsync("default/agent", h.Token);
        await h.CaughtUpAsync<V1Pod>();
        await h.CaughtUpAsync<V1DaemonSet>();
    }

    [Fact]
    public void Eligibility_follows_taints_tolerations_and_the_daemon_tolerations()
    {
        var spec = new V1PodSpec();
        DaemonPodTolerations.AddTo(spec);
        Assert.Equal(
            ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable", "node.kubernetes.io/disk-pressure", "node.kubernetes.io/memory-pressure",
             "node.kubernetes.io/pid-pressure", "node.kubernetes.io/unschedulable"],
            spec.Tolerations.Select(t => t.Key));
        Assert.All(spec.Tolerations, t => Assert.Null(t.TolerationSeconds));

        Assert.Equal((true, true), DaemonEligibility.Evaluate(Node("a", null, new V1Taint { Key = "node.kubernetes.io/unschedulable", Effect = "NoSchedule" }), spec));
        Assert.Equal((true, true), DaemonEligibility.Evaluate(Node("a", null, new V1Taint { Key = "node.kubernetes.io/not-ready", Effect = "NoExecute" }), spec));
        Assert.Equal((false, true), DaemonEligibility.Evaluate(Node("a", null, new V1Taint { Key = "dedicated", Value = "db", Effect = "NoSchedule" }), spec));
        Assert.Equal((false, false), DaemonEligibility.Evaluate(Node("a", null, new V1Taint { Key = "dedicated", Value = "db", Effect = "NoExecute" }), spec));
        Assert.Equal((true, true), DaemonEligibility.Evaluate(Node("a", null, new V1Taint { Key = "dedicated", Effect = "PreferNoSchedule" }), spec));
        Assert.Equal((false, true), DaemonEligibility.Evaluate(Node("a", null, new V1Taint { Key = "node.kubernetes.io/network-unavailable", Effect = "NoSchedule" }), spec));

        spec.HostNetwork = true;
        DaemonPodTolerations.AddTo(spec);
        Assert.Equal((true, true), DaemonEligibility.Evaluate(Node("a", null, new V1Taint { Key = "node.kubernetes.io/network-unavailable", Effect = "NoSchedule" }), spec));

        spec.Tolerations.Add(new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "db", Effect = "NoExecute" });
        Assert.Equal((true, true), DaemonEligibility.Evaluate(Node("a", null, new V1Taint { Key = "dedicated", Value = "db", Effect = "NoExecute" }), spec));
        Assert.Equal((false, false), DaemonEligibility.Evaluate(Node("a", null, new V1Taint { Key = "dedicated", Value = "web", Effect = "NoExecute" }), spec));

        spec.NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd" };
        Assert.Equal((false, false), DaemonEligibility.Evaluate(Node("a"), spec));
        Assert.Equal((true, true), DaemonEligibility.Evaluate(Node("a", new Dictionary<string, string> { ["disk"] = "ssd" }), spec));
    }

    [Fact]
    public async Task One_pinned_pod_per_eligible_node_and_pods_of_removed_or_ineligible_nodes_go()
    {
        await using var h = new ControllerHarness();
        using var controller = new DaemonSetController(h.Context);
        var ssd = new Dictionary<string, string> { ["disk"] = "ssd" };
        h.Api.Seed(Node("n1", ssd));
        h.Api.Seed(Node("n2", ssd, new V1Taint { Key = "node.kubernetes.io/unschedulable", Effect = "NoSchedule" }));
        h.Api.Seed(Node("n3", ssd, new V1Taint { Key = "dedicated", Effect = "NoSchedule" }));
        h.Api.Seed(Node("n4"));
        h.Api.Seed(DaemonSet(nodeSelector: ssd));
        await h.StartAsync();

        await SyncAsync(h, controller);
        await controller.SyncAsync("default/agent", h.Token); // expectations hold until the cache shows the pods
        var pods = h.Api.All<V1Pod>();
        Assert.Equal(["n1", "n2"], pods.Select(DaemonPods.TargetNode).Order(StringComparer.Ordinal));
        Assert.All(pods, p =>
        {
            Assert.Null(p.Spec.NodeName); // the scheduler binds it
            var field = Assert.Single(Assert.Single(p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms).MatchFields);
            Assert.Equal(("metadata.name", "In"), (field.Key, field.OperatorProperty));
            Assert.Equal("1", p.Metadata.Labels[DaemonPods.TemplateGenerationLabel]);
            Assert.False(string.IsNullOrEmpty(p.Metadata.Labels[DaemonPods.RevisionHashLabel]));
            Assert.Contains(p.Spec.Tolerations, t => t.Key == "node.kubernetes.io/unschedulable");
            Assert.Equal(("DaemonSet", "agent"), (p.Metadata.OwnerReferences[0].Kind, p.Metadata.OwnerReferences[0].Name));
        });

        await SyncAsync(h, controller);
        var status = h.Api.Peek<V1DaemonSet>("default", "agent")!.Status;
        Assert.Equal((2, 2, 0, 0, 2, 1L), (status.DesiredNumberScheduled, status.CurrentNumberScheduled, status.NumberReady, status.NumberAvailable ?? 0,
            status.UpdatedNumberScheduled ?? 0, status.ObservedGeneration ?? 0));
        foreach (var pod in h.Api.All<V1Pod>())
        {
            await h.MakeReadyAsync(pod, h.Time.GetUtcNow());
        }

        await SyncAsync(h, controller);
        status = h.Api.Peek<V1DaemonSet>("default", "agent")!.Status;
        Assert.Equal((2, 2), (status.NumberReady, status.NumberAvailable ?? 0));

        // n1 goes away; n2 gets a NoExecute taint the daemon does not tolerate: both pods are deleted.
        await h.Api.DeleteAsync<V1Node>(null, "n1", null, h.Token);
        var n2 = ObjectCopy.Clone(h.Api.Peek<V1Node>(null, "n2")!);
        n2.Spec.Taints.Add(new V1Taint { Key = "dedicated", Effect = "NoExecute" });
        await h.Api.UpdateAsync(n2, h.Token);
        await SyncAsync(h, controller);
        Assert.Empty(h.Api.All<V1Pod>());
        await SyncAsync(h, controller);
        status = h.Api.Peek<V1DaemonSet>("default", "agent")!.Status;
        Assert.Equal((0, 0), (status.DesiredNumberScheduled, status.CurrentNumberScheduled));

        // A new eligible node gets its pod.
        h.Api.Seed(Node("n5", ssd));
        await SyncAsync(h, controller);
        Assert.Equal("n5", DaemonPods.TargetNode(Assert.Single(h.Api.All<V1Pod>())));
    }

    [Fact]
    public async Task A_template_change_rolls_one_node_at_a_time_and_OnDelete_waits()
    {
        await using var h = new ControllerHarness();
        using var controller = new DaemonSetController(h.Context);
        foreach (var name in new[] { "n1", "n2", "n3" })
        {
            h.Api.Seed(Node(name));
        }

        h.Api.Seed(DaemonSet());
        await h.StartAsync();
        await SyncAsync(h, controller);
        foreach (var pod in h.Api.All<V1Pod>())
        {
            await h.MakeReadyAsync(pod, h.Time.GetUtcNow());
        }

        var ds = ObjectCopy.Clone(h.Api.Peek<V1DaemonSet>("default", "agent")!);
        ds.Metadata.Generation = 2;
        ds.Spec.Template.Spec.Containers[0].Image = "busybox:2";
        await h.Api.UpdateAsync(ds, h.Token);
        await SyncAsync(h, controller);
        Assert.Equal(2, h.Api.All<V1Pod>().Count); // maxUnavailable 1: one old pod deleted
        await SyncAsync(h, controller);
        var pods = h.Api.All<V1Pod>();
        Assert.Equal(3, pods.Count);
        Assert.Single(pods, p => p.Metadata.Labels[DaemonPods.TemplateGenerationLabel] == "2");
        await SyncAsync(h, controller);
        Assert.Equal(3, h.Api.All<V1Pod>().Count); // the new pod is not available yet: nothing else goes

        // OnDelete: a new template never deletes anything.
        ds = ObjectCopy.Clone(h.Api.Peek<V1DaemonSet>("default", "agent")!);
        ds.Metadata.Generation = 3;
        ds.Spec.Template.Spec.Containers[0].Image = "busybox:3";
        ds.Spec.UpdateStrategy = new V1DaemonSetUpdateStrategy { Type = "OnDelete" };
        await h.Api.UpdateAsync(ds, h.Token);
        await SyncAsync(h, controller);
        Assert.Equal(3, h.Api.All<V1Pod>().Count);
        Assert.Equal(0, h.Api.Peek<V1DaemonSet>("default", "agent")!.Status.UpdatedNumberScheduled ?? 0);
    }

    private static V1Pod Pod(string node, string hash, bool available) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"p-{node}-{hash}", Labels = new Dictionary<string, string> { [DaemonPods.RevisionHashLabel] = hash } },
        Spec = new V1PodSpec { NodeName = node },
        Status = available ? new V1PodStatus { Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }] } : new V1PodStatus(),
    };

    private static V1DaemonSet Rolling(string? maxUnavailable, string? maxSurge) => new()
    {
        Metadata = new V1ObjectMeta { Name = "agent" },
        Spec = new V1DaemonSetSpec
        {
            UpdateStrategy = new V1DaemonSetUpdateStrategy
            {
                Type = "RollingUpdate",
                RollingUpdate = new V1RollingUpdateDaemonSet
                {
                    MaxUnavailable = maxUnavailable is null ? null : (IntOrString)maxUnavailable,
                    MaxSurge = maxSurge is null ? null : (IntOrString)maxSurge,
                },
            },
        },
    };

    [Fact]
    public void Rolling_update_arithmetic_without_surge()
    {
        var nodes = new Dictionary<string, List<V1Pod>>
        {
            ["n1"] = [Pod("n1", "old", available: false)],
            ["n2"] = [Pod("n2", "old", available: true)],
            ["n3"] = [Pod("n3", "old", available: true)],
            ["n4"] = [Pod("n4", "old", available: true)],
        };
        var plan = DaemonRollingUpdate.Compute(Rolling("1", "0"), nodes, 4, "new", DateTimeOffset.UnixEpoch);
        Assert.Equal(["p-n1-old", "p-n2-old"], plan.PodsToDelete.Select(p => p.Metadata.Name)); // unavailable old pods go at once
        Assert.Empty(plan.NodesToCreate);

        plan = DaemonRollingUpdate.Compute(Rolling("50%", null), nodes, 4, "new", DateTimeOffset.UnixEpoch);
        Assert.Equal(["p-n1-old", "p-n2-old", "p-n3-old"], plan.PodsToDelete.Select(p => p.Metadata.Name));

        nodes["n2"] = [Pod("n2", "new", available: false)];
        plan = DaemonRollingUpdate.Compute(Rolling("1", null), nodes, 4, "new", DateTimeOffset.UnixEpoch);
        Assert.Equal(["p-n1-old"], plan.PodsToDelete.Select(p => p.Metadata.Name)); // the unavailable new pod uses the budget
        Assert.Equal((0, 1), DaemonRollingUpdate.Limits(Rolling("0", "0"), 4));
    }

    [Fact]
    public void Rolling_update_arithmetic_with_surge()
    {
        var nodes = new Dictionary<string, List<V1Pod>>
        {
            ["n1"] = [Pod("n1", "old", available: true), Pod("n1", "new", available: true)],
            ["n2"] = [Pod("n2", "old", available: true), Pod("n2", "new", available: false)],
            ["n3"] = [Pod("n3", "old", available: true)],
            ["n4"] = [Pod("n4", "old", available: false)],
            ["n5"] = [Pod("n5", "old", available: true)],
        };
        var plan = DaemonRollingUpdate.Compute(Rolling("0", "2"), nodes, 5, "new", DateTimeOffset.UnixEpoch);
        Assert.Equal(["p-n1-old"], plan.PodsToDelete.Select(p => p.Metadata.Name)); // its replacement is available
        Assert.Equal(["n4", "n3"], plan.NodesToCreate); // an unavailable old pod surges freely; one surge left of two
        plan = DaemonRollingUpdate.Compute(Rolling("0", "20%"), nodes, 5, "new", DateTimeOffset.UnixEpoch);
        Assert.Equal(["n4"], plan.NodesToCreate);
    }
}
