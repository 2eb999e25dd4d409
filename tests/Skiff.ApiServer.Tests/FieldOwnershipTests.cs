using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.Api.Json;
using Skiff.Apimachinery;
using Skiff.Apimachinery.Patching;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Tests;

/// <summary>managedFields recorded on typed objects: a write through the status subresource converts only status
/// and the entries, and must record exactly what the whole-object computation records.</summary>
public sealed class FieldOwnershipTests
{
    private static readonly ResourceDefinition Pods = ResourceCatalog.CreateBuiltIn().Find(string.Empty, "v1", "pods")!;
    private static readonly DateTimeOffset Created = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Later = Created.AddMinutes(1);

    [Fact]
    public void A_status_write_records_the_status_fields_under_the_status_subresource_and_keeps_the_creator()
    {
        var created = (V1Pod)FieldOwnership.RecordUpdate(Pods, null, NewPod(), "kubectl-run", string.Empty, Created);
        var creatorEntry = Text(created.Metadata.ManagedFields!.Single());

        var running = (V1Pod)FieldOwnership.RecordUpdate(Pods, created, Running(created), "kubelet", "status", Later);

        var entries = running.Metadata.ManagedFields!;
        Assert.Equal(2, entries.Count);
        Assert.Equal(creatorEntry, Text(entries[0]));
        var kubelet = entries[1];
        Assert.Equal(("kubelet", "Update", "status"), (kubelet.Manager, kubelet.Operation, kubelet.Subresource));
        var fields = Json(kubelet.FieldsV1)!.AsObject();
        Assert.Equal(["f:status"], fields.Select(f => f.Key));
        var status = fields["f:status"]!.AsObject();
        Assert.NotNull(status["f:phase"]);
        Assert.NotNull(status["f:podIP"]);
        Assert.NotNull(status["f:conditions"]!["k:{\"type\":\"Ready\"}"]);
    }

    [Fact]
    public void Status_writes_record_what_the_whole_object_computation_records()
    {
        var created = (V1Pod)FieldOwnership.RecordUpdate(Pods, null, NewPod(), "kubectl-run", string.Empty, Created);
        var running = Running(created);
        var expected = ManagedFields.RecordUpdate(FieldOwnership.ToJson(created), FieldOwnership.ToJson(running), "kubelet", "v1", Later, typeof(V1Pod), "status");

        var recorded = (V1Pod)FieldOwnership.RecordUpdate(Pods, created, Running(created), "kubelet", "status", Later);
        Assert.True(JsonNode.DeepEquals(expected["metadata"]!["managedFields"], Json(recorded.Metadata.ManagedFields)));

        // A second status write by the same manager that drops a field: the entry follows, nothing else moves.
        var ready = (V1Pod)FieldOwnership.RecordUpdate(Pods, recorded, Running(recorded), "kubelet", "status", Later);
        var dropped = Running(ready);
        dropped.Status.PodIP = null;
        var expectedAfterDrop = ManagedFields.RecordUpdate(FieldOwnership.ToJson(ready), FieldOwnership.ToJson(dropped), "kubelet", "v1", Later.AddMinutes(1), typeof(V1Pod), "status");
        var afterDrop = (V1Pod)FieldOwnership.RecordUpdate(Pods, ready, dropped, "kubelet", "status", Later.AddMinutes(1));
        Assert.True(JsonNode.DeepEquals(expectedAfterDrop["metadata"]!["managedFields"], Json(afterDrop.Metadata.ManagedFields)));
        Assert.DoesNotContain("podIP", Text(afterDrop.Metadata.ManagedFields![1].FieldsV1), StringComparison.Ordinal);
    }

    private static readonly ResourceDefinition Nodes = ResourceCatalog.CreateBuiltIn().Find(string.Empty, "v1", "nodes")!;

    [Fact]
    public void Status_writes_of_lists_maps_and_several_managers_record_what_the_whole_object_computation_records()
    {
        // A pod through a kubelet's life: containers start, one restarts, an IP goes, a condition is dropped.
        var pod = (V1Pod)FieldOwnership.RecordUpdate(Pods, null, NewPod(), "kubectl-run", string.Empty, Created);
        var steps = new List<(string Manager, Action<V1PodStatus> Change)>
        {
            ("kubelet", s => { s.Phase = "Running"; s.PodIP = "10.88.0.5"; s.PodIPs = [new V1PodIP { Ip = "10.88.0.5" }]; s.HostIPs = [new V1HostIP { Ip = "192.168.1.2" }]; }),
            ("kubelet", s => { s.ContainerStatuses = [new V1ContainerStatus { Name = "web", Image = "nginx", ImageID = "sha256:1", Ready = true, RestartCount = 0, State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = Created.UtcDateTime } } }]; }),
            ("kubelet", s => { s.ContainerStatuses[0].RestartCount = 1; s.ContainerStatuses[0].LastState = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 137, Reason = "OOMKilled" } }; }),
            ("kubelet", s => { s.Conditions = [new V1PodCondition { Type = "Ready", Status = "False", Reason = "ContainersNotReady" }]; }),
            // Another manager writes status: it takes the fields it changed, the kubelet keeps the rest.
            ("kubectl-edit", s => { s.Message = "edited"; s.Conditions[0].Status = "True"; }),
            ("kubelet", s => { s.PodIP = null; s.PodIPs = null; s.Message = null; }),
            ("kubelet", s => { s.Conditions = null; }),
        };
        var at = Later;
        foreach (var (manager, change) in steps)
        {
            var next = ModelJson.Deserialize<V1Pod>(ModelJson.Serialize(pod));
            next.Status ??= new V1PodStatus();
            change(next.Status);
            AssertStatusWriteRecordsAsTheWholeComputation(Pods, pod, next, manager, at);
            pod = (V1Pod)FieldOwnership.RecordUpdate(Pods, pod, next, manager, "status", at);
            at = at.AddSeconds(1.5);
        }

        // A node: maps (capacity), a list-map keyed by type (addresses, conditions), an atomic list (images).
        var node = (V1Node)FieldOwnership.RecordUpdate(Nodes, null, new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = "n1", Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = "n1" } } }, "kubelet", string.Empty, Created);
        var nodeSteps = new List<Action<V1NodeStatus>>
        {
            s =>
            {
                s.Capacity = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2"), ["memory"] = new("8Gi") };
                s.Addresses = [new V1NodeAddress { Address = "10.0.0.1", Type = "InternalIP" }, new V1NodeAddress { Address = "n1", Type = "Hostname" }];
                s.Conditions = [new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady" }];
                s.Images = [new V1ContainerImage { Names = ["nginx"], SizeBytes = 100 }];
            },
            s => { s.Capacity["cpu"] = new ResourceQuantity("4"); s.Capacity.Remove("memory"); s.Images = null; s.Addresses.RemoveAt(1); },
        };
        foreach (var change in nodeSteps)
        {
            var next = ModelJson.Deserialize<V1Node>(ModelJson.Serialize(node));
            next.Status ??= new V1NodeStatus();
            change(next.Status);
            AssertStatusWriteRecordsAsTheWholeComputation(Nodes, node, next, "kubelet", at);
            node = (V1Node)FieldOwnership.RecordUpdate(Nodes, node, next, "kubelet", "status", at);
        }
    }

    private static void AssertStatusWriteRecordsAsTheWholeComputation(
        ResourceDefinition def, IKubernetesObject<V1ObjectMeta> old, IKubernetesObject<V1ObjectMeta> updated, string manager, DateTimeOffset now)
    {
        var oldJson = FieldOwnership.ToJson(old);
        var newJson = FieldOwnership.ToJson(updated);
        var expectedEntries = ManagedFields.ResolveIncoming(oldJson, newJson)
            ? ManagedFields.RecordUpdateEntries(oldJson, newJson, manager, def.ApiVersion, now, def.ModelType, "status")
            : null;
        var recorded = FieldOwnership.RecordUpdate(def, old, ModelJson.Deserialize(ModelJson.Serialize(updated), updated.GetType()), manager, "status", now);
        var recordedEntries = Json(recorded.Metadata.ManagedFields);
        Assert.True(JsonNode.DeepEquals(expectedEntries, recordedEntries), $"expected {expectedEntries?.ToJsonString()}\nrecorded {recordedEntries?.ToJsonString()}");
    }

    private static readonly ResourceDefinition Leases = ResourceCatalog.CreateBuiltIn().Find("coordination.k8s.io", "v1", "leases")!;

    [Fact]
    public void A_lease_renewal_is_settled_on_the_bytes_and_records_what_the_whole_object_computation_records()
    {
        var lease = (V1Lease)FieldOwnership.RecordUpdate(Leases, null, NewLease(Created), "kubelet", string.Empty, Created);
        var renewed = Renewed(lease, Later);
        Assert.NotNull(ScalarOnlyUpdate.TryRecord(
            ModelJson.Serialize(lease), ModelJson.Serialize(renewed), lease.Metadata.ManagedFields, renewed.Metadata.ManagedFields, "kubelet", "coordination.k8s.io/v1", Later));

        AssertRecordsAsTheWholeComputation(Leases, lease, renewed, "kubelet", Later.AddSeconds(0.7));

        // The client may leave managedFields out (the live ones are kept): the same answer.
        var bare = Renewed(lease, Later);
        bare.Metadata.ManagedFields = null;
        AssertRecordsAsTheWholeComputation(Leases, lease, bare, "kubelet", Later);

        // Nothing changed but the untracked metadata: the writer's entry keeps its time.
        AssertRecordsAsTheWholeComputation(Leases, lease, Renewed(lease, Created), "kubelet", Later);
    }

    [Fact]
    public void Writes_that_move_ownership_or_change_the_field_set_take_the_whole_computation_and_agree_with_it()
    {
        var lease = (V1Lease)FieldOwnership.RecordUpdate(Leases, null, NewLease(Created), "kubelet", string.Empty, Created);

        // Another manager changes a field the kubelet owns: the field moves to it.
        var taken = Renewed(lease, Later);
        Assert.Null(ScalarOnlyUpdate.TryRecord(ModelJson.Serialize(lease), ModelJson.Serialize(taken), lease.Metadata.ManagedFields, taken.Metadata.ManagedFields, "other", "coordination.k8s.io/v1", Later));
        AssertRecordsAsTheWholeComputation(Leases, lease, taken, "other", Later);

        // A field added, and a field removed.
        var added = Renewed(lease, Later);
        added.Spec.LeaseTransitions = 3;
        AssertRecordsAsTheWholeComputation(Leases, lease, added, "kubelet", Later);
        var removed = Renewed(lease, Later);
        removed.Spec.LeaseDurationSeconds = null;
        AssertRecordsAsTheWholeComputation(Leases, lease, removed, "kubelet", Later);

        // Entries the client changed replace the live ones ([{}] clears them, and this write records nothing).
        var cleared = Renewed(lease, Later);
        cleared.Metadata.ManagedFields = [new V1ManagedFieldsEntry()];
        Assert.Null(ScalarOnlyUpdate.TryRecord(ModelJson.Serialize(lease), ModelJson.Serialize(cleared), lease.Metadata.ManagedFields, cleared.Metadata.ManagedFields, "kubelet", "coordination.k8s.io/v1", Later));
        AssertRecordsAsTheWholeComputation(Leases, lease, cleared, "kubelet", Later);

        // A value changed inside a list (a container's image): a list item's key may change with it.
        var pod = (V1Pod)FieldOwnership.RecordUpdate(Pods, null, NewPod(), "kubectl-run", string.Empty, Created);
        var image = ModelJson.Deserialize<V1Pod>(ModelJson.Serialize(pod));
        image.Spec.Containers[0].Image = "nginx:1.27";
        Assert.Null(ScalarOnlyUpdate.TryRecord(ModelJson.Serialize(pod), ModelJson.Serialize(image), pod.Metadata.ManagedFields, image.Metadata.ManagedFields, "kubectl-run", "v1", Later));
        AssertRecordsAsTheWholeComputation(Pods, pod, image, "kubectl-run", Later);

        // A label's value, changed by the manager that set it: settled on the bytes, same answer.
        var relabeled = ModelJson.Deserialize<V1Pod>(ModelJson.Serialize(pod));
        relabeled.Metadata.Labels["run"] = "web2";
        Assert.NotNull(ScalarOnlyUpdate.TryRecord(ModelJson.Serialize(pod), ModelJson.Serialize(relabeled), pod.Metadata.ManagedFields, relabeled.Metadata.ManagedFields, "kubectl-run", "v1", Later));
        AssertRecordsAsTheWholeComputation(Pods, pod, relabeled, "kubectl-run", Later);
    }

    private static void AssertRecordsAsTheWholeComputation(
        ResourceDefinition def, IKubernetesObject<V1ObjectMeta> old, IKubernetesObject<V1ObjectMeta> updated, string manager, DateTimeOffset now)
    {
        // The whole computation on JSON trees: settle the incoming entries, then record the Update.
        var oldJson = FieldOwnership.ToJson(old);
        var newJson = FieldOwnership.ToJson(updated);
        var expectedEntries = ManagedFields.ResolveIncoming(oldJson, newJson)
            ? ManagedFields.RecordUpdateEntries(oldJson, newJson, manager, def.ApiVersion, now, def.ModelType, string.Empty)
            : null;
        var recorded = FieldOwnership.RecordUpdate(def, old, updated, manager, string.Empty, now);
        var recordedEntries = Json(recorded.Metadata.ManagedFields);
        Assert.True(JsonNode.DeepEquals(expectedEntries, recordedEntries), $"expected {expectedEntries?.ToJsonString()}\nrecorded {recordedEntries?.ToJsonString()}");
    }

    private static V1Lease NewLease(DateTimeOffset renewTime) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",
        Metadata = new V1ObjectMeta { Name = "n1", NamespaceProperty = "kube-node-lease", Uid = "uid-n1", ResourceVersion = "7" },
        Spec = new V1LeaseSpec { HolderIdentity = "n1", LeaseDurationSeconds = 40, RenewTime = renewTime.UtcDateTime },
    };

    // What a kubelet sends: the Lease it got back, with a new renewTime (a copy: the registry gets a decoded body).
    private static V1Lease Renewed(V1Lease lease, DateTimeOffset renewTime)
    {
        var copy = ModelJson.Deserialize<V1Lease>(ModelJson.Serialize(lease));
        copy.Metadata.ResourceVersion = "8";
        copy.Spec.RenewTime = renewTime.UtcDateTime;
        return copy;
    }

    private static V1Pod NewPod() => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["run"] = "web" } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "web", Image = "nginx" }] },
        Status = new V1PodStatus { Phase = "Pending" },
    };

    // The same pod as the kubelet reports it once running (a copy: the registry is given a decoded body, never the
    // live object).
    private static V1Pod Running(V1Pod pod)
    {
        var copy = ModelJson.Deserialize<V1Pod>(ModelJson.Serialize(pod));
        copy.Status = new V1PodStatus
        {
            Phase = "Running",
            PodIP = "10.88.0.5",
            Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }, new V1PodCondition { Type = "PodScheduled", Status = "True" }],
        };
        return copy;
    }

    private static string Text(object value) => System.Text.Encoding.UTF8.GetString(ModelJson.Serialize(value));

    private static JsonNode? Json(object? value) => value is null ? null : JsonNode.Parse(ModelJson.Serialize(value));
}
