using System.Text.Json.Nodes;
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
