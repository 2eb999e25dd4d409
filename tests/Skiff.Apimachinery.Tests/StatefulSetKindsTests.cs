using k8s.Models;
using Skiff.Apimachinery.Strategies;
using Skiff.Apimachinery.Subresources;

namespace Skiff.Apimachinery.Tests;

/// <summary>StatefulSets and ControllerRevisions: upstream's defaults, validation messages and printer cells.</summary>
public sealed class StatefulSetKindsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private static V1StatefulSet StatefulSet(string templateApp = "web") => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Uid = "u-1", CreationTimestamp = Now.UtcDateTime.AddMinutes(-3) },
        Spec = new V1StatefulSetSpec
        {
            ServiceName = "web",
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = templateApp } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "nginx", Image = "nginx" }] },
            },
        },
    };

    [Fact]
    public void StatefulSet_defaults_and_printer()
    {
        var sts = StatefulSet();
        var strategy = new StatefulSetStrategy();
        strategy.PrepareForCreate(sts, Now);
        var spec = sts.Spec;
        Assert.Equal((1, "OrderedReady", "RollingUpdate", 0, 10), (spec.Replicas, spec.PodManagementPolicy, spec.UpdateStrategy.Type, spec.UpdateStrategy.RollingUpdate.Partition, spec.RevisionHistoryLimit));
        Assert.Equal(("Retain", "Retain"), (spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted, spec.PersistentVolumeClaimRetentionPolicy.WhenScaled));
        Assert.Empty(strategy.ValidateCreate(sts));
        Assert.Equal(["Name", "Ready", "Age", "Containers", "Images"], strategy.Columns.Select(c => c.Name));
        Assert.Equal(["web", "0/1", "3m", "nginx", "nginx"], strategy.Cells(sts, Now));
        Assert.True(ScaleSubresource.Supports(sts));
        Assert.Equal(1, ScaleSubresource.ToScale(sts).Spec.Replicas);
    }

    [Fact]
    public void StatefulSet_selector_must_match_and_only_some_fields_may_change()
    {
        var strategy = new StatefulSetStrategy();
        var bad = StatefulSet(templateApp: "api");
        strategy.PrepareForCreate(bad, Now);
        Assert.Equal(
            ["spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"api\"}: `selector` does not match template `labels`"],
            strategy.ValidateCreate(bad).Select(e => e.ToString()));

        var old = StatefulSet();
        strategy.PrepareForCreate(old, Now);
        var scaled = StatefulSet();
        strategy.PrepareForCreate(scaled, Now);
        scaled.Spec.Replicas = 3;
        scaled.Spec.Template.Spec.Containers[0].Image = "nginx:1.27";
        Assert.Empty(strategy.ValidateUpdate(scaled, old));

        var renamed = StatefulSet();
        strategy.PrepareForCreate(renamed, Now);
        renamed.Spec.ServiceName = "other";
        Assert.Equal(
            ["spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"],
            strategy.ValidateUpdate(renamed, old).Select(e => e.ToString()));
    }

    [Fact]
    public void ControllerRevision_prints_its_controller_and_keeps_data_immutable()
    {
        var strategy = new ControllerRevisionStrategy();
        var revision = new V1ControllerRevision
        {
            Metadata = new V1ObjectMeta
            {
                Name = "web-5d4f8", NamespaceProperty = "default", CreationTimestamp = Now.UtcDateTime.AddMinutes(-3),
                OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "StatefulSet", Name = "web", Uid = "u-1", Controller = true }],
            },
            Revision = 2,
            Data = new Dictionary<string, object> { ["spec"] = "a" },
        };
        Assert.Equal(["web-5d4f8", "statefulset.apps/web", 2L, "3m"], strategy.Cells(revision, Now));
        var changed = new V1ControllerRevision { Metadata = revision.Metadata, Revision = 2, Data = new Dictionary<string, object> { ["spec"] = "b" } };
        Assert.Single(strategy.ValidateUpdate(changed, revision));
        revision.Revision = -1;
        Assert.Single(strategy.ValidateCreate(revision));
    }
}
