using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Apimachinery.Patching;

namespace Skiff.Apimachinery.Tests.Patching;

/// <summary>What a write starts from when the client sends managedFields, and the no-op rule for repeated applies.</summary>
public class IncomingManagedFieldsTests
{
    private const string LiveEntries = "[{'manager':'kubectl-create','operation':'Update','apiVersion':'v1','time':'2026-11-27T10:00:00Z','fieldsType':'FieldsV1','fieldsV1':{'f:data':{'f:a':{}}}}]";

    private static JsonObject Live() => Json.Obj("{'metadata':{'name':'c','managedFields':" + LiveEntries + "},'data':{'a':'1'}}");

    [Theory]
    [InlineData("{'metadata':{'name':'c'},'data':{'a':'2'}}")]
    [InlineData("{'metadata':{'name':'c','managedFields':null},'data':{'a':'2'}}")]
    [InlineData("{'metadata':{'name':'c','managedFields':[]},'data':{'a':'2'}}")]
    [InlineData("{'metadata':{'name':'c','managedFields':[{'manager':'x','operation':'Bogus','fieldsType':'FieldsV1'}]},'data':{'a':'2'}}")]
    [InlineData("{'metadata':{'name':'c','managedFields':[{'manager':'x','operation':'Update','fieldsType':'FieldsV2'}]},'data':{'a':'2'}}")]
    [InlineData("{'metadata':{'name':'c','managedFields':[{'manager':'x','operation':'Update','fieldsType':'FieldsV1','time':'yesterday'}]},'data':{'a':'2'}}")]
    [InlineData("{'metadata':{'name':'c','managedFields':[{'manager':'x','operation':'Apply','fieldsType':'FieldsV1','fieldsV1':[1]}]},'data':{'a':'2'}}")]
    public void Absent_empty_or_malformed_managed_fields_keep_the_live_ones(string incoming)
    {
        var obj = Json.Obj(incoming);

        Assert.True(ManagedFields.ResolveIncoming(Live(), obj));

        Json.Equal(LiveEntries, obj["metadata"]!["managedFields"]);
    }

    [Fact]
    public void Well_formed_managed_fields_replace_the_live_ones()
    {
        const string supplied = "[{'manager':'tool','operation':'Apply','apiVersion':'v1','fieldsType':'FieldsV1','fieldsV1':{'f:data':{}}}]";
        var obj = Json.Obj("{'metadata':{'name':'c','managedFields':" + supplied + "},'data':{'a':'2'}}");

        Assert.True(ManagedFields.ResolveIncoming(Live(), obj));

        Json.Equal(supplied, obj["metadata"]!["managedFields"]);
    }

    [Fact]
    public void A_list_of_empty_entries_clears_them_and_the_write_records_nothing()
    {
        var obj = Json.Obj("{'metadata':{'name':'c','managedFields':[{}]},'data':{'a':'2'}}");

        Assert.False(ManagedFields.ResolveIncoming(Live(), obj));

        Assert.Null(obj["metadata"]!["managedFields"]);
    }

    [Fact]
    public void On_create_garbage_is_dropped()
    {
        var obj = Json.Obj("{'metadata':{'name':'c','managedFields':[{'operation':'Sideways'}]}}");

        Assert.True(ManagedFields.ResolveIncoming(null, obj));

        Assert.Null(obj["metadata"]!["managedFields"]);
    }

    [Fact]
    public void A_repeated_apply_keeps_the_live_timestamp_but_a_real_change_does_not()
    {
        var t1 = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
        const string config = "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},'data':{'a':'1'}}";
        var live = ServerSideApply.Apply(null, Json.Obj(config), "kubectl", false, typeof(V1ConfigMap), "v1", t1);

        var same = ServerSideApply.Apply(live, Json.Obj(config), "kubectl", false, typeof(V1ConfigMap), "v1", t1.AddHours(1));
        ManagedFields.KeepTimesIfUnchanged(live, same);
        Json.Equal(live.ToJsonString(), same);

        var changed = ServerSideApply.Apply(live, Json.Obj(config.Replace("'1'", "'2'", StringComparison.Ordinal)), "kubectl", false, typeof(V1ConfigMap), "v1", t1.AddHours(1));
        ManagedFields.KeepTimesIfUnchanged(live, changed);
        Assert.Equal("2026-11-27T11:00:00Z", changed["metadata"]!["managedFields"]![0]!["time"]!.GetValue<string>());
    }

    [Fact]
    public void Apply_to_a_subresource_is_recorded_with_it_and_tracks_only_status_for_status()
    {
        var t1 = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
        var live = Json.Obj("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},'spec':{'replicas':1}}");

        var applied = ServerSideApply.Apply(live, Json.Obj("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','labels':{'x':'y'}},'status':{'replicas':1}}"),
            "controller", false, typeof(V1Deployment), "apps/v1", t1, "status");

        var entry = applied["metadata"]!["managedFields"]![0]!;
        Assert.Equal("status", entry["subresource"]!.GetValue<string>());
        Json.Equal("{'f:status':{'f:replicas':{}}}", entry["fieldsV1"]);
    }

    [Fact]
    public void Kubectl_server_side_apply_takes_over_what_client_side_apply_set_but_no_other_manager_does()
    {
        var t1 = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
        const string lastApplied = "{\\\"apiVersion\\\":\\\"v1\\\",\\\"kind\\\":\\\"ConfigMap\\\",\\\"metadata\\\":{\\\"name\\\":\\\"c\\\"},\\\"data\\\":{\\\"a\\\":\\\"1\\\"}}";
        var live = ManagedFields.RecordUpdate(null,
            Json.Obj("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','annotations':{'kubectl.kubernetes.io/last-applied-configuration':'" + lastApplied + "'}},'data':{'a':'1'}}"),
            "kubectl-client-side-apply", "v1", t1, typeof(V1ConfigMap));
        const string config = "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},'data':{'a':'2'}}";

        var taken = ServerSideApply.Apply(live, Json.Obj(config), "kubectl", false, typeof(V1ConfigMap), "v1", t1);
        Assert.Equal("2", taken["data"]!["a"]!.GetValue<string>());

        var refused = Assert.Throws<PatchException>(() => ServerSideApply.Apply(live, Json.Obj(config), "someone-else", false, typeof(V1ConfigMap), "v1", t1));
        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .data.a", refused.Message);
    }
}
