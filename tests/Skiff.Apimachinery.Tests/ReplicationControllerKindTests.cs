using k8s.Models;
using Skiff.Apimachinery.Strategies;
using Skiff.Apimachinery.Subresources;

namespace Skiff.Apimachinery.Tests;

/// <summary>core/v1 ReplicationController: upstream's defaults, validation, printer and scale view.</summary>
public sealed class ReplicationControllerKindTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 13, 10, 0, TimeSpan.Zero);

    private static V1ReplicationController Controller(Dictionary<string, string>? selector = null, string app = "web") => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", CreationTimestamp = Now.UtcDateTime.AddMinutes(-10) },
        Spec = new V1ReplicationControllerSpec
        {
            Selector = selector,
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = app } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "nginx", Image = "nginx:1.27" }] },
            },
        },
    };

    [Fact]
    public void Selector_labels_and_replicas_default_from_the_template()
    {
        var rc = Controller();
        var strategy = new ReplicationControllerStrategy();
        strategy.PrepareForCreate(rc, Now);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "web" }, rc.Spec.Selector);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "web" }, rc.Metadata.Labels);
        Assert.Equal(1, rc.Spec.Replicas);
        Assert.Equal("Always", rc.Spec.Template.Spec.RestartPolicy);
        Assert.Equal(1, rc.Metadata.Generation);
        Assert.Empty(strategy.ValidateCreate(rc));
    }

    [Fact]
    public void Validation_is_upstreams()
    {
        var strategy = new ReplicationControllerStrategy();
        var mismatched = Controller(new Dictionary<string, string> { ["app"] = "api" });
        strategy.PrepareForCreate(mismatched, Now);
        Assert.Equal(
            ["spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`"],
            strategy.ValidateCreate(mismatched).Select(e => e.ToString()));

        var bad = Controller();
        strategy.PrepareForCreate(bad, Now);
        bad.Spec.Replicas = -1;
        bad.Spec.Template.Spec.RestartPolicy = "Never";
        Assert.Equal(
            ["spec.replicas: Invalid value: -1: must be greater than or equal to 0", "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""],
            strategy.ValidateCreate(bad).Select(e => e.ToString()));

        var noSelector = new V1ReplicationController { Metadata = new V1ObjectMeta { Name = "x", NamespaceProperty = "default" }, Spec = new V1ReplicationControllerSpec() };
        strategy.PrepareForCreate(noSelector, Now);
        Assert.Equal(["spec.selector: Required value", "spec.template: Required value"], strategy.ValidateCreate(noSelector).Select(e => e.ToString()));
    }

    [Fact]
    public void The_selector_may_change_unlike_a_replica_sets()
    {
        var strategy = new ReplicationControllerStrategy();
        var old = Controller();
        strategy.PrepareForCreate(old, Now);
        var changed = Controller(new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" });
        changed.Spec.Template.Metadata.Labels["tier"] = "front";
        changed.Metadata.ResourceVersion = "2";
        strategy.PrepareForUpdate(changed, old, Now);
        Assert.Empty(strategy.ValidateUpdate(changed, old));
        Assert.Equal(2, changed.Metadata.Generation);
    }

    [Fact]
    public void Printer_and_scale_view()
    {
        var strategy = new ReplicationControllerStrategy();
        var rc = Controller();
        strategy.PrepareForCreate(rc, Now);
        rc.Spec.Replicas = 3;
        rc.Status = new V1ReplicationControllerStatus { Replicas = 2, ReadyReplicas = 1 };
        Assert.Equal(["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"], strategy.Columns.Select(c => c.Name));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1], strategy.Columns.Select(c => c.Priority));
        Assert.Equal(["web", 3L, 2L, 1L, "10m", "nginx", "nginx:1.27", "app=web"], strategy.Cells(rc, Now));

        Assert.True(ScaleSubresource.Supports(rc));
        var scale = ScaleSubresource.ToScale(rc);
        Assert.Equal((3, 2, "app=web"), (scale.Spec.Replicas, scale.Status.Replicas, scale.Status.Selector));
        scale.Spec.Replicas = 5;
        ScaleSubresource.ApplyReplicas(rc, scale);
        Assert.Equal(5, rc.Spec.Replicas);
    }
}
