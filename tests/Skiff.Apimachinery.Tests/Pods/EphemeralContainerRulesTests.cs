using k8s.Models;
using Skiff.Apimachinery.Strategies.Pods;

namespace Skiff.Apimachinery.Tests.Pods;

/// <summary>Upstream's ValidatePodEphemeralContainersUpdate and its allow-list of ephemeral container fields.</summary>
public sealed class EphemeralContainerRulesTests
{
    private static V1PodSpec Spec(params V1EphemeralContainer[] ephemeral) => new()
    {
        InitContainers = [new V1Container { Name = "init", Image = "busybox" }],
        Containers = [new V1Container { Name = "web", Image = "nginx" }],
        EphemeralContainers = ephemeral.Length == 0 ? null : ephemeral.ToList(),
    };

    private static V1EphemeralContainer Debugger(string name = "debugger") => new() { Name = name, Image = "busybox", TargetContainerName = "web" };

    private static List<string> Errors(V1PodSpec spec, V1PodSpec old) =>
        EphemeralContainerRules.ValidateUpdate(spec, old).Select(e => e.ToString()).ToList();

    [Fact]
    public void Adding_a_valid_debugger_is_allowed_and_defaulted()
    {
        var spec = Spec(Debugger());
        EphemeralContainerRules.ApplyDefaults(spec);

        Assert.Empty(Errors(spec, Spec()));
        Assert.Equal(("Always", "/dev/termination-log", "File"), (spec.EphemeralContainers[0].ImagePullPolicy, spec.EphemeralContainers[0].TerminationMessagePath, spec.EphemeralContainers[0].TerminationMessagePolicy));
    }

    [Fact]
    public void Existing_ephemeral_containers_may_be_neither_changed_nor_removed()
    {
        var old = Spec(Debugger("a"), Debugger("b"));
        var changed = Debugger("a");
        changed.Image = "nginx";

        Assert.Equal(
            [
                "spec.ephemeralContainers[0]: Forbidden: existing ephemeral containers \"a\" may not be changed\n",
                "spec.ephemeralContainers: Forbidden: existing ephemeral containers \"b\" may not be removed\n",
            ],
            Errors(Spec(changed), old));
    }

    [Fact]
    public void Names_must_be_unique_labels_with_an_image_and_a_target_that_exists()
    {
        var errors = Errors(Spec(new V1EphemeralContainer { Name = "web", Image = "busybox" }, new V1EphemeralContainer { Name = "Bad_Name", TargetContainerName = "nope" }), Spec());

        Assert.Contains("spec.ephemeralContainers[0].name: Duplicate value: \"web\"", errors);
        Assert.Contains(errors, e => e.StartsWith("spec.ephemeralContainers[1].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label", StringComparison.Ordinal));
        Assert.Contains("spec.ephemeralContainers[1].image: Required value", errors);
        Assert.Contains("spec.ephemeralContainers[1].targetContainerName: Not found: \"nope\"", errors);
    }

    [Fact]
    public void Ports_probes_lifecycle_resources_and_restart_policy_are_not_for_ephemeral_containers()
    {
        var debugger = Debugger();
        debugger.Ports = [new V1ContainerPort { ContainerPort = 80 }];
        debugger.LivenessProbe = new V1Probe();
        debugger.Lifecycle = new V1Lifecycle();
        debugger.Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1") } };
        debugger.RestartPolicy = "Always";

        Assert.Equal(
            [
                "spec.ephemeralContainers[0].lifecycle: Forbidden: cannot be set for an Ephemeral Container",
                "spec.ephemeralContainers[0].livenessProbe: Forbidden: cannot be set for an Ephemeral Container",
                "spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container",
                "spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container",
                "spec.ephemeralContainers[0].restartPolicy: Forbidden: cannot be set for an Ephemeral Container",
            ],
            Errors(Spec(debugger), Spec()));
    }

    [Fact]
    public void A_pod_is_created_without_ephemeral_containers()
    {
        Assert.Equal(["spec.ephemeralContainers: Forbidden: cannot be set on create"], EphemeralContainerRules.ValidateCreate(Spec(Debugger())).Select(e => e.ToString()));
        Assert.Empty(EphemeralContainerRules.ValidateCreate(Spec()));
    }
}
