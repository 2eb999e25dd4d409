using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Apimachinery.Patching;

namespace Skiff.Apimachinery.Tests.Patching;

public class ServerSideApplyTests
{
    private static readonly DateTimeOffset T1 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T2 = T1.AddMinutes(5);

    private const string Deployment = """
        {'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'default','labels':{'app':'web'}},
         'spec':{'replicas':2,'selector':{'matchLabels':{'app':'web'}},
          'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'web','image':'nginx:1.27'}]}}}}
        """;

    private static JsonObject Apply(JsonObject? live, string applied, string manager = "kubectl", bool force = false, DateTimeOffset? now = null) =>
        ServerSideApply.Apply(live, Json.Obj(applied), manager, force, typeof(V1Deployment), "apps/v1", now ?? T1);

    private static JsonObject Entry(JsonObject obj, string manager, string operation) =>
        obj["metadata"]!["managedFields"]!.AsArray().OfType<JsonObject>()
            .Single(e => e["manager"]!.GetValue<string>() == manager && e["operation"]!.GetValue<string>() == operation);

    [Fact]
    public void Apply_on_a_missing_object_creates_it_and_records_the_appliers_fields()
    {
        var created = Apply(null, Deployment);

        var entry = Entry(created, "kubectl", "Apply");
        Assert.Equal("apps/v1", entry["apiVersion"]!.GetValue<string>());
        Assert.Equal("2026-11-27T10:00:00Z", entry["time"]!.GetValue<string>());
        Assert.Equal("FieldsV1", entry["fieldsType"]!.GetValue<string>());
        Json.Equal("""
            {'f:metadata':{'f:labels':{'.':{},'f:app':{}}},
             'f:spec':{'f:replicas':{},'f:selector':{},
              'f:template':{'f:metadata':{'f:labels':{'.':{},'f:app':{}}},
               'f:spec':{'f:containers':{'k:{\"name\":\"web\"}':{'.':{},'f:image':{},'f:name':{}}}}}}}
            """, entry["fieldsV1"]);
        created["metadata"]!.AsObject().Remove("managedFields");
        Json.Equal(Deployment, created);
    }

    [Fact]
    public void Reapplying_the_same_config_changes_nothing_but_the_time()
    {
        var first = Apply(null, Deployment);
        var second = Apply(first, Deployment, now: T2);

        Assert.Equal("2026-11-27T10:05:00Z", Entry(second, "kubectl", "Apply")["time"]!.GetValue<string>());
        Entry(second, "kubectl", "Apply")["time"] = "2026-11-27T10:00:00Z";
        Json.Equal(first.ToJsonString(), second);
    }

    [Fact]
    public void Fields_the_applier_no_longer_applies_are_removed_unless_another_manager_owns_them()
    {
        var first = Apply(null, "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','labels':{'app':'web','tier':'front','team':'a'}},'spec':{'paused':true}}");
        // Another manager (a plain update, e.g. kubectl label) changes team, so it owns it from now on.
        var labelled = Json.Obj(first.ToJsonString());
        labelled["metadata"]!["labels"]!["team"] = "b";
        var owned = ManagedFields.RecordUpdate(first, labelled, "kubectl-label", "apps/v1", T2, typeof(V1Deployment));

        var second = Apply(owned, "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','labels':{'app':'web'}}}", now: T2);

        Json.Equal("{'app':'web','team':'b'}", second["metadata"]!["labels"]);
        Assert.Null(second["spec"]?["paused"]);
        Json.Equal("{'f:metadata':{'f:labels':{'.':{},'f:app':{}}}}", Entry(second, "kubectl", "Apply")["fieldsV1"]);
    }

    [Fact]
    public void Changing_a_field_another_manager_owns_is_a_409_with_upstreams_message()
    {
        var created = ManagedFields.RecordUpdate(null, Json.Obj(Deployment), "kubectl-client-side-apply", "apps/v1", T1, typeof(V1Deployment));

        var error = Assert.Throws<PatchException>(() => Apply(created, Deployment.Replace("'replicas':2", "'replicas':3", StringComparison.Ordinal)));

        Assert.Equal(409, error.Code);
        Assert.Equal("Conflict", error.Reason);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas", error.Message);
        var cause = Assert.Single(error.Causes);
        Assert.Equal(new PatchCause("FieldManagerConflict", "conflict with \"kubectl-client-side-apply\" using apps/v1", ".spec.replicas"), cause);
    }

    [Fact]
    public void Several_conflicts_are_listed_per_manager()
    {
        var created = ManagedFields.RecordUpdate(null, Json.Obj(Deployment), "kubectl-create", "apps/v1", T1, typeof(V1Deployment));
        var changed = Deployment.Replace("'replicas':2", "'replicas':3", StringComparison.Ordinal).Replace("nginx:1.27", "nginx:1.28", StringComparison.Ordinal);

        var error = Assert.Throws<PatchException>(() => Apply(created, changed));

        Assert.Equal(
            "Apply failed with 2 conflicts: conflicts with \"kubectl-create\" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name=\"web\"].image",
            error.Message);
    }

    [Fact]
    public void Force_takes_ownership_of_the_conflicting_fields()
    {
        var created = ManagedFields.RecordUpdate(null, Json.Obj(Deployment), "kubectl-client-side-apply", "apps/v1", T1, typeof(V1Deployment));

        var forced = Apply(created, "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},'spec':{'replicas':5}}", force: true, now: T2);

        Assert.Equal(5, forced["spec"]!["replicas"]!.GetValue<int>());
        Json.Equal("{'f:spec':{'f:replicas':{}}}", Entry(forced, "kubectl", "Apply")["fieldsV1"]);
        var other = Entry(forced, "kubectl-client-side-apply", "Update");
        Assert.Null(other["fieldsV1"]!["f:spec"]!["f:replicas"]);
        Assert.NotNull(other["fieldsV1"]!["f:spec"]!["f:template"]);
        Assert.Equal("nginx:1.27", forced["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
    }

    [Fact]
    public void Applying_the_value_another_manager_set_is_no_conflict_and_both_own_it()
    {
        var created = ManagedFields.RecordUpdate(null, Json.Obj(Deployment), "kubectl-create", "apps/v1", T1, typeof(V1Deployment));

        var applied = Apply(created, "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web'},'spec':{'replicas':2}}");

        Assert.NotNull(Entry(applied, "kubectl", "Apply")["fieldsV1"]!["f:spec"]!["f:replicas"]);
        Assert.NotNull(Entry(applied, "kubectl-create", "Update")["fieldsV1"]!["f:spec"]!["f:replicas"]);
    }

    [Fact]
    public void Containers_merge_by_name_so_another_managers_container_survives()
    {
        var live = Apply(null, Deployment, manager: "team-a");
        var withSidecar = Json.Obj(live.ToJsonString());
        withSidecar["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Add(Json.Obj("{'name':'side','image':'busybox'}"));
        var updated = ManagedFields.RecordUpdate(live, withSidecar, "injector", "apps/v1", T2, typeof(V1Deployment));

        var applied = Apply(updated, Deployment.Replace("nginx:1.27", "nginx:1.28", StringComparison.Ordinal), manager: "team-a", now: T2);

        Json.Equal(
            "[{'name':'web','image':'nginx:1.28'},{'name':'side','image':'busybox'}]",
            applied["spec"]!["template"]!["spec"]!["containers"]);
        Json.Equal(
            """{'f:spec':{'f:template':{'f:spec':{'f:containers':{'k:{\"name\":\"side\"}':{'.':{},'f:image':{},'f:name':{}}}}}}}""",
            Entry(applied, "injector", "Update")["fieldsV1"]);
    }

    [Fact]
    public void A_container_the_applier_stops_applying_is_removed()
    {
        var two = Deployment.Replace("[{'name':'web','image':'nginx:1.27'}]", "[{'name':'web','image':'nginx:1.27'},{'name':'old','image':'busybox'}]", StringComparison.Ordinal);
        var first = Apply(null, two);

        var second = Apply(first, Deployment, now: T2);

        Json.Equal("[{'name':'web','image':'nginx:1.27'}]", second["spec"]!["template"]!["spec"]!["containers"]);
    }

    [Fact]
    public void An_applied_config_with_managed_fields_is_refused()
    {
        var error = Assert.Throws<PatchException>(() => Apply(null, "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'x','managedFields':[]}}"));
        Assert.Equal(400, error.Code);
    }

    [Fact]
    public void Apply_bodies_may_be_yaml_or_json()
    {
        var yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  labels: {app: web}\ndata:\n  quoted: \"true\"\n  number: \"1\"\nimmutable: yes\nspec:\n  replicas: 3\n  ratio: 0.5\n  nothing: ~\n";
        Json.Equal(
            "{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'cfg','labels':{'app':'web'}},'data':{'quoted':'true','number':'1'},'immutable':true,'spec':{'replicas':3,'ratio':0.5,'nothing':null}}",
            ApplyBody.Parse(System.Text.Encoding.UTF8.GetBytes(yaml)));
        Json.Equal("{'a':1}", ApplyBody.Parse(Json.Bytes("{'a':1}")));
        Assert.Equal(400, Assert.Throws<PatchException>(() => ApplyBody.Parse("- a\n- b\n"u8)).Code);
    }
}
