using System.Text;
using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Tests;

public sealed class UnknownFieldsTests
{
    private static IReadOnlyList<string> Find(Type type, string json) => UnknownFields.Find(type, Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_valid_pod_has_no_problems()
    {
        Assert.Empty(Find(typeof(V1Pod), """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","labels":{"any-key":"v"},"annotations":{"x/y":"z"}},
             "spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}],
               "resources":{"limits":{"cpu":"100m","memory":"64Mi"}},"env":[{"name":"A","value":"1"}]}],
               "volumes":[{"name":"v","emptyDir":{}}]},
             "status":{}}
            """));
    }

    [Fact]
    public void Unknown_fields_are_named_by_their_path_with_list_indexes()
    {
        Assert.Equal(
            ["unknown field \"spec.containers[1].imagePullPolicyy\"", "unknown field \"spec.foo\"", "unknown field \"top\""],
            Find(typeof(V1Pod), """
                {"metadata":{"name":"a"},
                 "spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"x","imagePullPolicyy":"Always"}],"foo":1},
                 "top":true}
                """));
    }

    [Fact]
    public void Duplicate_fields_are_reported()
    {
        Assert.Equal(["duplicate field \"metadata.name\""], Find(typeof(V1ConfigMap), """{"metadata":{"name":"a","name":"b"}}"""));
    }

    [Fact]
    public void Map_values_and_free_form_objects_are_not_fields()
    {
        // data keys are user keys, not fields; a deployment's template is walked as a pod template.
        Assert.Empty(Find(typeof(V1ConfigMap), """{"data":{"anything":"v","spec":"w"}}"""));
        Assert.Equal(["unknown field \"spec.template.spec.containers[0].nme\""], Find(typeof(V1Deployment), """
            {"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},
             "spec":{"containers":[{"nme":"c","image":"x"}]}}}}
            """));
    }

    [Fact]
    public void Keys_repeated_in_a_map_field_are_duplicates_too()
    {
        Assert.Equal(
            ["duplicate field \"metadata.labels.a\"", "duplicate field \"data.k\""],
            Find(typeof(V1ConfigMap), """{"metadata":{"labels":{"a":"1","a":"2"}},"data":{"k":"1","k":"2","k":"3"}}"""));
    }

    [Fact]
    public void Escaped_names_are_compared_and_reported_unescaped()
    {
        Assert.Equal(
            ["duplicate field \"metadata.name\"", "unknown field \"unknown\""],
            Find(typeof(V1ConfigMap), """{"metadata":{"n\u0061me":"a","name":"b"},"d\u0061ta":{"k":"v"},"unkn\u006fwn":1}"""));
    }

    // Merge and strategic merge patch bodies are decoded as map[string]interface{}: only repeated keys can be wrong.
    [Theory]
    [InlineData("""{"spec":{"replicas":1}}""", "")]
    [InlineData("""{"spec":{"replicas":1,"replicas":2}}""", "duplicate field \"spec.replicas\"")]
    [InlineData("""{"a":1,"a":2,"b":{"c":[{"d":1,"d":2}]}}""", "duplicate field \"a\"|duplicate field \"b.c[0].d\"")]
    [InlineData("""{"unknownTopLevel":1}""", "")]
    [InlineData("""not json""", "")]
    // One name in sibling objects, in list items and at two levels is no repeat; a repeat after a nested object is.
    [InlineData("""{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}],"x":{"x":{"x":1}}}""", "")]
    [InlineData("""{"a":{"x":1,"y":{"z":1}},"b":2,"a":3}""", "duplicate field \"a\"")]
    [InlineData("""{"s":[{"k":1,"n":{"k":1},"k":2}]}""", "duplicate field \"s[0].k\"")]
    // Escaped names are compared unescaped.
    [InlineData("""{"metadata":{"n\u0061me":"a","name":"b"}}""", "duplicate field \"metadata.name\"")]
    public void Patch_bodies_name_their_duplicate_fields(string body, string expected) =>
        Assert.Equal(Split(expected), UnknownFields.FindDuplicates(Encoding.UTF8.GetBytes(body)));

    // A JSON patch body is decoded into upstream's jsonPatchOp{op,path,from,value}: unknown and repeated operation
    // fields are strict errors, and so are keys repeated inside a value.
    [Theory]
    [InlineData("""[{"op":"add","path":"/a","value":1}]""", "")]
    [InlineData("""[{"op":"add","path":"/a","value":1,"vaule":2}]""", "json patch unknown field \"[0].vaule\"")]
    [InlineData("""[{"op":"test","path":"/a","value":1},{"op":"add","op":"add","path":"/b","value":{"x":1,"x":2}}]""",
        "json patch duplicate field \"[1].op\"|json patch duplicate field \"[1].value.x\"")]
    [InlineData("""{"op":"add"}""", "")]
    public void Json_patch_bodies_name_unknown_and_duplicate_operation_fields(string body, string expected) =>
        Assert.Equal(Split(expected), UnknownFields.FindInJsonPatch(Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void A_repeat_in_an_object_of_many_keys_is_found()
    {
        var keys = string.Join(",", Enumerable.Range(0, 200).Select(i => $"\"k{i}\":{i}"));
        Assert.Empty(UnknownFields.FindDuplicates(Encoding.UTF8.GetBytes("{\"data\":{" + keys + "}}")));
        Assert.Equal(["duplicate field \"data.k7\""], UnknownFields.FindDuplicates(Encoding.UTF8.GetBytes("{\"data\":{" + keys + ",\"k7\":1}}")));
    }

    [Fact]
    public void Each_problem_is_named_once()
    {
        Assert.Equal(["duplicate field \"a\""], UnknownFields.FindDuplicates("""{"a":1,"a":2,"a":3}"""u8));
    }

    [Theory]
    [InlineData("""{"status":{"phase":"Running","podIP":"10.42.0.9","conditions":[{"type":"Ready","status":"True"}]}}""", false)]
    [InlineData("""{"metadata":{"labels":{"any/key":"v"},"annotations":{"x":"y"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}""", false)]
    [InlineData("""{"spec":{"$setElementOrder/containers":[{"name":"c"}],"containers":[{"name":"c","$patch":"delete"}],"$retainKeys":["volumes"]}}""", false)]
    [InlineData("""{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]},"spec":{"foo":null}}""", false)]
    [InlineData("""{"spec":{"containers":[{"name":"c","imagee":"busybox"}]}}""", true)]
    [InlineData("""{"status":{"conditions":[{"type":"Ready","status":"True","extra":1}]}}""", true)]
    [InlineData("""{"top":1}""", true)]
    [InlineData("""{"spec":""", true)]
    public void A_patch_may_add_an_unknown_field_only_when_it_sets_one(string patch, bool mayAdd)
    {
        Assert.Equal(mayAdd, UnknownFields.PatchMayAddUnknown(typeof(V1Pod), Encoding.UTF8.GetBytes(patch)));
    }

    [Fact]
    public void When_a_patch_adds_no_unknown_field_its_result_has_none()
    {
        // The claim PatchMayAddUnknown rests on, over a pod encoded from its model and a strategic merge patch of it.
        var stored = Skiff.Api.Json.ModelJson.Serialize(new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = "a", Labels = new Dictionary<string, string> { ["app"] = "a" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
        });
        Assert.Empty(UnknownFields.Find(typeof(V1Pod), stored));
        var patch = Encoding.UTF8.GetBytes("""{"metadata":{"labels":{"tier":"x"}},"status":{"phase":"Running"}}""");
        Assert.False(UnknownFields.PatchMayAddUnknown(typeof(V1Pod), patch));
        var patched = Skiff.Apimachinery.Patching.StrategicMergePatch.Apply(
            System.Text.Json.Nodes.JsonNode.Parse(stored)!.AsObject(), System.Text.Json.Nodes.JsonNode.Parse(patch)!.AsObject(), typeof(V1Pod));
        Assert.Empty(UnknownFields.Find(typeof(V1Pod), Encoding.UTF8.GetBytes(patched.ToJsonString())));
    }

    private static string[] Split(string expected) => expected.Length == 0 ? [] : expected.Split('|');
}
