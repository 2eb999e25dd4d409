using k8s.Models;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins;
using static Skiff.Scheduler.Tests.Fixtures;

namespace Skiff.Scheduler.Tests;

/// <summary>The VolumeBinding filter on table fixtures: the verdicts and messages of upstream's plugin for missing,
/// terminating, unbound and bound claims.</summary>
public sealed class VolumeBindingTests
{
    private readonly Objects _objects = new();

    private sealed class Objects : IVolumeObjects
    {
        public Dictionary<string, V1PersistentVolumeClaim> Claims { get; } = [];

        public Dictionary<string, V1PersistentVolume> Pvs { get; } = [];

        public Dictionary<string, V1StorageClass> Classes { get; } = [];

        public V1PersistentVolumeClaim? Claim(string ns, string name) => Claims.GetValueOrDefault(ns + "/" + name);

        public V1PersistentVolume? Volume(string name) => Pvs.GetValueOrDefault(name);

        public V1StorageClass? StorageClass(string name) => Classes.GetValueOrDefault(name);

        public IEnumerable<V1PersistentVolume> Volumes() => Pvs.Values;
    }

    private void AddClaim(string name, string? storageClass = null, string? volumeName = null, string size = "1Gi", bool deleting = false) =>
        _objects.Claims["default/" + name] = new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", DeletionTimestamp = deleting ? DateTime.UtcNow : null },
            Spec = new V1PersistentVolumeClaimSpec
            {
                StorageClassName = storageClass,
                VolumeName = volumeName,
                AccessModes = ["ReadWriteOnce"],
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) } },
            },
        };

    private void AddClass(string name, string bindingMode, string provisioner = "kubernetes.io/no-provisioner") =>
        _objects.Classes[name] = new V1StorageClass { Metadata = new V1ObjectMeta { Name = name }, Provisioner = provisioner, VolumeBindingMode = bindingMode };

    private void AddVolume(string name, string? storageClass, string? onNode, string size = "5Gi", string? phase = "Available") =>
        _objects.Pvs[name] = new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PersistentVolumeSpec
            {
                StorageClassName = storageClass,
                AccessModes = ["ReadWriteOnce"],
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) },
                NodeAffinity = onNode is null ? null : new V1VolumeNodeAffinity
                {
                    Required = new V1NodeSelector
                    {
                        NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "kubernetes.io/hostname", OperatorProperty = "In", Values = [onNode] }] }],
                    },
                },
            },
            Status = new V1PersistentVolumeStatus { Phase = phase },
        };

    private static V1Pod PodWithClaims(params string[] claims)
    {
        var pod = Pod("web-0");
        pod.Spec.Volumes = [.. claims.Select(c => new V1Volume { Name = "v-" + c, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = c } })];
        return pod;
    }

    private (string? Reason, bool Unresolvable) Verdict(V1Pod pod, string node)
    {
        var plugin = new VolumeBinding(_objects);
        var info = new PodInfo(pod);
        var nodeInfo = NodeInfo(Node(node));
        var state = new CycleState();
        var failure = plugin.PreFilter(info, [nodeInfo], state) ?? plugin.Filter(info, nodeInfo, state);
        return failure is null ? (null, false) : (string.Join(", ", failure.Reasons), failure.Unresolvable);
    }

    [Fact]
    public void A_pod_without_claims_fits()
    {
        Assert.Equal((null, false), Verdict(Pod("plain"), "n1"));
    }

    [Fact]
    public void A_missing_or_terminating_claim_fits_no_node_with_upstreams_message()
    {
        Assert.Equal(("persistentvolumeclaim \"data\" not found", true), Verdict(PodWithClaims("data"), "n1"));
        AddClaim("data", volumeName: "pv-1", deleting: true);
        Assert.Equal(("persistentvolumeclaim \"data\" is being deleted", true), Verdict(PodWithClaims("data"), "n1"));
    }

    [Fact]
    public void An_unbound_claim_without_a_class_or_with_an_immediate_class_waits()
    {
        AddClaim("plain");
        Assert.Equal((VolumeBinding.UnboundImmediate, true), Verdict(PodWithClaims("plain"), "n1"));
        AddClass("fast", "Immediate", "rancher.io/local-path");
        AddClaim("fast", "fast");
        Assert.Equal((VolumeBinding.UnboundImmediate, true), Verdict(PodWithClaims("fast"), "n1"));
        AddClaim("ghost", "no-such-class");
        Assert.Equal(("storageclass.storage.k8s.io \"no-such-class\" not found", true), Verdict(PodWithClaims("ghost"), "n1"));
    }

    [Fact]
    public void A_bound_volume_limits_the_pod_to_the_nodes_its_affinity_selects()
    {
        AddVolume("pv-local", "local", onNode: "n2", phase: "Bound");
        AddClaim("data", "local", volumeName: "pv-local");
        Assert.Equal((VolumeBinding.NodeAffinityConflict, true), Verdict(PodWithClaims("data"), "n1"));
        Assert.Equal((null, false), Verdict(PodWithClaims("data"), "n2"));

        AddClaim("lost", "local", volumeName: "pv-gone");
        Assert.Equal(("persistentvolume \"pv-gone\" not found", true), Verdict(PodWithClaims("lost"), "n2"));
    }

    [Fact]
    public void A_wait_for_first_consumer_claim_fits_the_nodes_with_an_available_matching_volume()
    {
        AddClass("local", "WaitForFirstConsumer");
        AddClaim("data", "local", size: "2Gi");
        AddVolume("pv-small", "local", onNode: "n1", size: "1Gi");
        AddVolume("pv-n2", "local", onNode: "n2");
        AddVolume("pv-taken", "local", onNode: "n3", phase: "Bound");
        Assert.Equal((VolumeBinding.NoMatchingVolumes, true), Verdict(PodWithClaims("data"), "n1"));
        Assert.Equal((null, false), Verdict(PodWithClaims("data"), "n2"));
        Assert.Equal((VolumeBinding.NoMatchingVolumes, true), Verdict(PodWithClaims("data"), "n3"));

        // Two claims need two volumes on the node.
        AddClaim("logs", "local", size: "1Gi");
        Assert.Equal((VolumeBinding.NoMatchingVolumes, true), Verdict(PodWithClaims("data", "logs"), "n2"));
        AddVolume("pv-n2-b", "local", onNode: "n2", size: "1Gi");
        Assert.Equal((null, false), Verdict(PodWithClaims("data", "logs"), "n2"));
    }

    [Fact]
    public void A_wait_for_first_consumer_claim_of_a_dynamic_provisioner_fits_every_node()
    {
        AddClass("dynamic", "WaitForFirstConsumer", "rancher.io/local-path");
        AddClaim("data", "dynamic");
        Assert.Equal((null, false), Verdict(PodWithClaims("data"), "n1"));
    }

    [Fact]
    public void A_generic_ephemeral_volume_is_the_claim_named_after_the_pod_and_the_volume()
    {
        var pod = Pod("web-0");
        pod.Spec.Volumes = [new V1Volume { Name = "scratch", Ephemeral = new V1EphemeralVolumeSource() }];
        Assert.Equal(("persistentvolumeclaim \"web-0-scratch\" not found", true), Verdict(pod, "n1"));
    }
}
