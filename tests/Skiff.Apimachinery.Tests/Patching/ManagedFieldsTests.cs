using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Apimachinery.Patching;

namespace Skiff.Apimachinery.Tests.Patching;

public class ManagedFieldsTests
{
    private static readonly DateTimeOffset T1 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T2 = T1.AddMinutes(1);

    private static JsonArray Entries(JsonObject obj) => obj["metadata"]!["managedFields"]!.AsArray();

    // Each object of a FieldsV1 tree with its keys in their written order (objects without keys left out).
    private static List<string> KeyOrder(JsonObject node, string path)
    {
        var lines = node.Count == 0 ? [] : new List<string> { $"{(path.Length == 0 ? "/" : path)}: {string.Join(' ', node.Select(p => p.Key))}" };
        foreach (var (key, value) in node)
        {
            if (key != "." && value is JsonObject child)
            {
                lines.AddRange(KeyOrder(child, path + "/" + key));
            }
        }

        return lines;
    }

    [Fact]
    public void Create_records_every_field_for_the_creator()
    {
        var pod = Json.Obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'default','uid':'u','finalizers':['x']},'spec':{'containers':[{'name':'c','image':'busybox','ports':[{'containerPort':80,'protocol':'TCP'}]}]},'status':{'phase':'Pending'}}");

        var recorded = ManagedFields.RecordUpdate(null, pod, "kubectl-create", "v1", T1, typeof(V1Pod));

        Json.Equal("""
            [{'manager':'kubectl-create','operation':'Update','apiVersion':'v1','time':'2026-11-27T10:00:00Z','fieldsType':'FieldsV1',
              'fieldsV1':{'f:metadata':{'f:finalizers':{'.':{},'v:\"x\"':{}}},
                'f:spec':{'f:containers':{'k:{\"name\":\"c\"}':{'.':{},'f:image':{},'f:name':{},
                  'f:ports':{'k:{\"containerPort\":80,\"protocol\":\"TCP\"}':{'.':{},'f:containerPort':{},'f:protocol':{}}}}}}}}]
            """, Entries(recorded));
        Assert.Null(pod["metadata"]!["managedFields"]);
    }

    [Fact]
    public void FieldsV1_is_written_with_its_keys_sorted_at_every_level_and_the_member_mark_first()
    {
        // Fields in the object out of order, a list item that is itself a member with children, a set of values.
        var pod = Json.Obj("{'status':{'phase':'Pending'},'spec':{'containers':[{'name':'c','image':'i','args':['b','a']}],'nodeName':'n'},'metadata':{'name':'p','labels':{'z':'1','a':'2'}}}");

        var recorded = ManagedFields.RecordUpdate(null, pod, "m", "v1", T1, typeof(V1Pod));

        Assert.Equal(
            [
                "/: f:metadata f:spec",
                "/f:metadata: f:labels",
                "/f:metadata/f:labels: . f:a f:z",
                "/f:spec: f:containers f:nodeName",
                "/f:spec/f:containers: k:{\"name\":\"c\"}",
                "/f:spec/f:containers/k:{\"name\":\"c\"}: . f:args f:image f:name",
            ],
            KeyOrder(Entries(recorded)[0]!["fieldsV1"]!.AsObject(), string.Empty));
    }

    [Fact]
    public void An_update_takes_over_the_fields_it_changes_and_removed_fields_are_owned_by_nobody()
    {
        var created = ManagedFields.RecordUpdate(null, Json.Obj("{'metadata':{'name':'n','labels':{'a':'1','b':'2'}},'spec':{'podCIDR':'10.0.0.0/24'}}"), "kubelet", "v1", T1, typeof(V1Node));
        var changed = Json.Obj(created.ToJsonString());
        changed["metadata"]!["labels"]!["a"] = "9";
        changed["metadata"]!["labels"]!.AsObject().Remove("b");
        changed["spec"]!["unschedulable"] = true;

        var updated = ManagedFields.RecordUpdate(created, changed, "kubectl-cordon", "v1", T2, typeof(V1Node));

        Json.Equal("""
            [{'manager':'kubelet','operation':'Update','apiVersion':'v1','time':'2026-11-27T10:00:00Z','fieldsType':'FieldsV1',
              'fieldsV1':{'f:metadata':{'f:labels':{}},'f:spec':{'f:podCIDR':{}}}},
             {'manager':'kubectl-cordon','operation':'Update','apiVersion':'v1','time':'2026-11-27T10:01:00Z','fieldsType':'FieldsV1',
              'fieldsV1':{'f:metadata':{'f:labels':{'f:a':{}}},'f:spec':{'f:unschedulable':{}}}}]
            """, Entries(updated));
    }

    [Fact]
    public void A_write_that_changes_nothing_keeps_the_entries_as_they_were()
    {
        var created = ManagedFields.RecordUpdate(null, Json.Obj("{'metadata':{'name':'c'},'data':{'a':'b'}}"), "kubectl-create", "v1", T1, typeof(V1ConfigMap));
        var same = ManagedFields.RecordUpdate(created, Json.Obj(created.ToJsonString()), "kubectl-edit", "v1", T2, typeof(V1ConfigMap));
        Json.Equal(created.ToJsonString(), same);
    }

    [Fact]
    public void Status_writes_are_recorded_with_their_subresource_and_only_track_status()
    {
        var pod = Json.Obj("{'metadata':{'name':'p'},'spec':{'nodeName':'n'},'status':{'phase':'Pending'}}");
        var running = Json.Obj(pod.ToJsonString());
        running["status"]!["phase"] = "Running";

        var recorded = ManagedFields.RecordUpdate(pod, running, "kubelet", "v1", T1, typeof(V1Pod), "status");

        Json.Equal("[{'manager':'kubelet','operation':'Update','apiVersion':'v1','time':'2026-11-27T10:00:00Z','fieldsType':'FieldsV1','fieldsV1':{'f:status':{'f:phase':{}}},'subresource':'status'}]", Entries(recorded));
    }

    [Fact]
    public void Entries_a_write_leaves_alone_keep_their_fields_and_are_written_in_canonical_form()
    {
        // The creator's entry is canonical; another manager's was written by a client with unsorted keys and a key
        // in non-compact JSON. A status write touches neither: both keep their fields, the second comes out sorted
        // and compact, as upstream re-encodes every entry it decodes.
        var pod = Json.Obj("""
            {'metadata':{'name':'p','managedFields':[
              {'manager':'kubectl-create','operation':'Update','apiVersion':'v1','time':'2026-11-27T09:00:00Z','fieldsType':'FieldsV1',
               'fieldsV1':{'f:metadata':{'f:labels':{'.':{},'f:app':{}}},'f:spec':{'f:containers':{'k:{\"name\":\"c\"}':{'.':{},'f:image':{},'f:name':{}}}}}},
              {'manager':'tool','operation':'Update','apiVersion':'v1','time':'2026-11-27T09:00:00Z','fieldsType':'FieldsV1',
               'fieldsV1':{'f:spec':{'f:nodeName':{},'f:containers':{'k:{\"name\": \"c\"}':{'f:env':{}}}}}}]},
             'spec':{'nodeName':'n','containers':[{'name':'c','image':'nginx','env':[]}]},'status':{'phase':'Pending'}}
            """);
        var creatorBefore = Entries(pod)[0]!["fieldsV1"]!.ToJsonString();
        var running = Json.Obj(pod.ToJsonString());
        running["status"]!["phase"] = "Running";

        var recorded = ManagedFields.RecordUpdate(pod, running, "kubelet", "v1", T1, typeof(V1Pod), "status");

        var entries = Entries(recorded);
        Assert.Equal(["kubectl-create", "tool", "kubelet"], entries.Select(e => (string)e!["manager"]!));
        Assert.Equal(creatorBefore, entries[0]!["fieldsV1"]!.ToJsonString());
        Json.Equal("""{'f:spec':{'f:containers':{'k:{\"name\":\"c\"}':{'f:env':{}}},'f:nodeName':{}}}""", entries[1]!["fieldsV1"]);
        Assert.Equal(["/: f:spec", "/f:spec: f:containers f:nodeName", "/f:spec/f:containers: k:{\"name\":\"c\"}", "/f:spec/f:containers/k:{\"name\":\"c\"}: f:env"],
            KeyOrder(entries[1]!["fieldsV1"]!.AsObject(), string.Empty));

        // The next write by the creator that changes one of its fields re-encodes its entry with the change.
        var relabelled = Json.Obj(recorded.ToJsonString());
        relabelled["metadata"]!["labels"] = new JsonObject { ["app"] = "web", ["tier"] = "front" };
        var updated = ManagedFields.RecordUpdate(recorded, relabelled, "kubectl-create", "v1", T2, typeof(V1Pod));
        Json.Equal("""{'f:metadata':{'f:labels':{'.':{},'f:app':{},'f:tier':{}}},'f:spec':{'f:containers':{'k:{\"name\":\"c\"}':{'.':{},'f:image':{},'f:name':{}}}}}""",
            Entries(updated)[0]!["fieldsV1"]);
    }
}
