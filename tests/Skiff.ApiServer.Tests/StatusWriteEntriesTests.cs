using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Skiff.Api.Json;
using Skiff.Apimachinery;
using Skiff.Apimachinery.Patching;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Tests;

/// <summary>A status write keeps the entries that own nothing under status as they are, without reading them
/// (<see cref="StatusWriteEntries"/>); what it records must be byte for byte what the whole computation records.</summary>
public sealed class StatusWriteEntriesTests
{
    private static readonly ResourceDefinition Pods = ResourceCatalog.CreateBuiltIn().Find(string.Empty, "v1", "pods")!;
    private static readonly DateTimeOffset Created = new(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_first_status_write_carries_the_creator_and_adds_the_writers_entry()
    {
        var pod = Create();
        var running = WithStatus(pod, "Running", "10.42.0.5", ("PodScheduled", "True"), ("Ready", "True"));

        Assert.NotNull(StatusWriteEntries.Carried(pod.Metadata.ManagedFields, running.Metadata.ManagedFields, "kubelet"));
        var recorded = AssertRecordsAsTheWholeComputation(pod, running, "kubelet", Created.AddSeconds(5));

        Assert.Equal(["kube-controller-manager", "kubelet"], recorded.Metadata.ManagedFields!.Select(e => e.Manager));
        Assert.Equal(Text(pod.Metadata.ManagedFields![0]), Text(recorded.Metadata.ManagedFields![0]));
    }

    [Fact]
    public void Later_status_writes_move_the_writers_entry_and_leave_the_creator_alone()
    {
        var pod = Create();
        var running = Record(pod, WithStatus(pod, "Running", "10.42.0.5", ("Ready", "True")), "kubelet", Created.AddSeconds(5));

        // The kubelet drops the pod IP and flips Ready; the scheduler, another manager, sets a condition the kubelet
        // wrote, and takes it from the kubelet.
        var notReady = WithStatus(running, "Running", null, ("Ready", "False"));
        Assert.NotNull(StatusWriteEntries.Carried(running.Metadata.ManagedFields, notReady.Metadata.ManagedFields, "kubelet"));
        var afterKubelet = AssertRecordsAsTheWholeComputation(running, notReady, "kubelet", Created.AddSeconds(9));

        var rescheduled = WithStatus(afterKubelet, "Running", null, ("Ready", "Unknown"), ("PodScheduled", "True"));
        AssertRecordsAsTheWholeComputation(afterKubelet, rescheduled, "default-scheduler", Created.AddSeconds(12));
    }

    [Fact]
    public void A_write_that_sends_other_entries_or_repeats_a_manager_takes_the_whole_computation()
    {
        var pod = Create();
        var changed = WithStatus(pod, "Running", "10.42.0.5");
        changed.Metadata.ManagedFields = [new V1ManagedFieldsEntry { Manager = "mine", Operation = "Update", ApiVersion = "v1", FieldsType = "FieldsV1", FieldsV1 = JsonDocument.Parse("""{"f:status":{"f:phase":{}}}""").RootElement }];
        Assert.Null(StatusWriteEntries.Carried(pod.Metadata.ManagedFields, changed.Metadata.ManagedFields, "kubelet"));
        AssertRecordsAsTheWholeComputation(pod, changed, "kubelet", Created.AddSeconds(5));

        var twice = Create();
        twice.Metadata.ManagedFields!.Add(StatusEntry("kubelet"));
        twice.Metadata.ManagedFields!.Add(StatusEntry("kubelet"));
        Assert.Null(StatusWriteEntries.Carried(twice.Metadata.ManagedFields, null, "kubelet"));
        AssertRecordsAsTheWholeComputation(twice, WithStatus(twice, "Running", "10.42.0.5"), "kubelet", Created.AddSeconds(5));
    }

    [Fact]
    public void An_entry_of_the_main_resource_that_owns_status_is_computed_not_carried()
    {
        var pod = Create();
        var odd = StatusEntry("hand-made");
        odd.Subresource = null;
        pod.Metadata.ManagedFields!.Add(odd);

        var carried = StatusWriteEntries.Carried(pod.Metadata.ManagedFields, null, "kubelet")!;
        Assert.Equal([true, false], carried);
        AssertRecordsAsTheWholeComputation(pod, WithStatus(pod, "Failed", null), "kubelet", Created.AddSeconds(5));
    }

    private static V1Pod Create()
    {
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = "web-1", NamespaceProperty = "default", Uid = "u1", ResourceVersion = "5", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1PodSpec
            {
                NodeName = "n1",
                Containers = [new V1Container { Name = "web", Image = "nginx", Ports = [new V1ContainerPort { ContainerPort = 80, Protocol = "TCP" }] }],
            },
            Status = new V1PodStatus { Phase = "Pending", Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "True" }] },
        };
        return Decoded((V1Pod)FieldOwnership.RecordUpdate(Pods, null, pod, "kube-controller-manager", string.Empty, Created));
    }

    private static V1ManagedFieldsEntry StatusEntry(string manager) => new()
    {
        Manager = manager,
        Operation = "Update",
        ApiVersion = "v1",
        Time = Created.UtcDateTime,
        FieldsType = "FieldsV1",
        FieldsV1 = JsonDocument.Parse("""{"f:status":{"f:phase":{}}}""").RootElement,
        Subresource = "status",
    };

    // The pod as a status writer sends it back: the live object (entries included) with a new status.
    private static V1Pod WithStatus(V1Pod pod, string phase, string? ip, params (string Type, string Status)[] conditions)
    {
        var copy = Decoded(pod);
        copy.Status = new V1PodStatus
        {
            Phase = phase,
            PodIP = ip,
            Conditions = conditions.Length == 0 ? null : conditions.Select(c => new V1PodCondition { Type = c.Type, Status = c.Status }).ToList(),
        };
        return copy;
    }

    private static V1Pod Record(V1Pod old, V1Pod updated, string manager, DateTimeOffset now) =>
        Decoded((V1Pod)FieldOwnership.RecordUpdate(Pods, old, updated, manager, "status", now));

    private static V1Pod AssertRecordsAsTheWholeComputation(V1Pod old, V1Pod updated, string manager, DateTimeOffset now)
    {
        var oldJson = FieldOwnership.ToJson(old);
        var newJson = FieldOwnership.ToJson(Decoded(updated));
        var whole = ManagedFields.ResolveIncoming(oldJson, newJson)
            ? ManagedFields.RecordUpdateEntries(oldJson, newJson, manager, "v1", now, typeof(V1Pod), "status")
            : null;
        var expected = whole?.Deserialize<List<V1ManagedFieldsEntry>>(ModelJson.Options) is { } typed ? Text(typed) : null;

        var recorded = (V1Pod)FieldOwnership.RecordUpdate(Pods, old, updated, manager, "status", now);

        Assert.Equal(expected, recorded.Metadata.ManagedFields is { } entries ? Text(entries) : null);
        return Decoded(recorded);
    }

    // As the registry hands objects around: decoded from their serialization (entries' FieldsV1 as JsonElement).
    private static V1Pod Decoded(V1Pod pod) => ModelJson.Deserialize<V1Pod>(ModelJson.Serialize(pod));

    private static string Text(object value) => Encoding.UTF8.GetString(ModelJson.Serialize(value));
}
