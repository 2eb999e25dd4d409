using System.Text.Json.Nodes;
using Skiff.Cli.Commands;
using Skiff.Cli.Manifests;

namespace Skiff.Cli.Tests;

public sealed class PatchAndManifestTests
{
    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void Unchanged_configuration_gives_an_empty_patch()
    {
        var config = Obj("""{"kind":"Pod","metadata":{"name":"a","labels":{"x":"1"}},"spec":{"containers":[{"name":"c","image":"i"}]}}""");
        var live = Obj("""{"kind":"Pod","metadata":{"name":"a","labels":{"x":"1"},"uid":"u"},"spec":{"containers":[{"name":"c","image":"i","imagePullPolicy":"Always"}]},"status":{}}""");
        Assert.Empty(ThreeWayPatch.Create(config, config, live, strategic: true));
    }

    [Fact]
    public void Changed_container_is_patched_by_merge_key_with_element_order_and_dropped_fields_are_deleted()
    {
        var original = Obj("""{"kind":"Pod","metadata":{"name":"a","labels":{"x":"1","gone":"y"}},"spec":{"containers":[{"name":"c","image":"i:1"},{"name":"old","image":"o"}]}}""");
        var modified = Obj("""{"kind":"Pod","metadata":{"name":"a","labels":{"x":"1"}},"spec":{"containers":[{"name":"c","image":"i:2"}]}}""");
        var live = Obj("""{"kind":"Pod","metadata":{"name":"a","labels":{"x":"1","gone":"y"}},"spec":{"containers":[{"name":"c","image":"i:1"},{"name":"old","image":"o"}]}}""");
        var patch = ThreeWayPatch.Create(original, modified, live, strategic: true);
        Assert.Equal(
            """{"metadata":{"labels":{"gone":null}},"spec":{"containers":[{"image":"i:2","name":"c"},{"name":"old","$patch":"delete"}],"$setElementOrder/containers":[{"name":"c"}]}}""",
            patch.ToJsonString());
    }

    [Fact]
    public void Merge_patch_for_custom_resources_replaces_lists()
    {
        var original = Obj("""{"kind":"Widget","spec":{"items":[{"name":"a"}]}}""");
        var modified = Obj("""{"kind":"Widget","spec":{"items":[{"name":"b"}]}}""");
        var patch = ThreeWayPatch.Create(original, modified, original, strategic: false);
        Assert.Equal("""{"spec":{"items":[{"name":"b"}]}}""", patch.ToJsonString());
    }

    [Fact]
    public void Last_applied_annotation_is_the_sorted_compact_object_with_empty_annotations_and_a_newline()
    {
        var manifest = Obj("""{"metadata":{"name":"a","namespace":"default"},"kind":"Pod","apiVersion":"v1"}""");
        var applied = ApplyCommand.WithLastApplied(manifest);
        Assert.Equal(
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{},\"name\":\"a\",\"namespace\":\"default\"}}\n",
            (string?)applied["metadata"]!["annotations"]![ApplyCommand.LastAppliedAnnotation]);
        Assert.Null(manifest["metadata"]!["annotations"]);
    }

    [Fact]
    public void Yaml_streams_resolve_scalars_and_expand_lists()
    {
        var manifests = ManifestReader.Parse("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: a
            data:
              quoted: "1"
              plain: 1
            ---
            ---
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Service
              metadata: {name: b}
              spec: {ports: [{port: 80, x: true, y: ~, z: 1.5}]}
            """, "f.yaml");
        Assert.Equal(2, manifests.Count);
        Assert.Equal("""{"quoted":"1","plain":1}""", manifests[0].Object["data"]!.ToJsonString());
        Assert.Equal("Service", manifests[1].Kind);
        Assert.Equal("""[{"port":80,"x":true,"y":null,"z":1.5}]""", manifests[1].Object["spec"]!["ports"]!.ToJsonString());
        Assert.Equal("f.yaml", manifests[1].Source);
    }

    [Fact]
    public void Objects_without_kind_are_rejected() =>
        Assert.Throws<CliException>(() => ManifestReader.Parse("apiVersion: v1\nmetadata:\n  name: a\n", "x.yaml"));

    [Fact]
    public void Container_choice_follows_the_annotation_then_the_first_container()
    {
        var pod = Obj("""{"metadata":{"name":"p"},"spec":{"containers":[{"name":"main"},{"name":"side"}],"initContainers":[{"name":"setup"}]}}""");
        Assert.Equal(("main", "Defaulted container \"main\" out of: main, side, setup (init)"), PodContainers.Choose(pod, null));
        Assert.Equal(("side", (string?)null), PodContainers.Choose(pod, "side"));
        Assert.Equal("container nope is not valid for pod p", Assert.Throws<CliException>(() => PodContainers.Choose(pod, "nope")).Message);
        pod["metadata"]!["annotations"] = new JsonObject { [PodContainers.DefaultContainerAnnotation] = "side" };
        Assert.Equal(("side", (string?)null), PodContainers.Choose(pod, null));
    }

    [Theory]
    [InlineData("5s", 5)]
    [InlineData("2m", 120)]
    [InlineData("1h30m", 5400)]
    public void Since_durations_parse_like_go(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), LogsCommand.ParseDuration(text));
}
