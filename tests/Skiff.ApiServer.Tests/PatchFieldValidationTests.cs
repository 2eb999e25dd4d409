using System.Text.Json.Nodes;

namespace Skiff.ApiServer.Tests;

/// <summary>fieldValidation on PATCH and apply over real HTTP: status code, message, Warning header, nothing written.</summary>
[Collection(ServerCollection.Name)]
public sealed class PatchFieldValidationTests(ServerFixture fx)
{
    private const string Apply = "application/apply-patch+yaml";
    private const string Typo = "spec.template.spec.containers[0].imagee";

    private static string Deployment(string name, string container = "{\"name\":\"main\",\"image\":\"nginx\"}") =>
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"replicas\":1," +
        "\"selector\":{\"matchLabels\":{\"app\":\"" + name + "\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"" + name +
        "\"}},\"spec\":{\"containers\":[" + container + "]}}}}";

    private async Task<(string Path, string Json)> NewDeploymentAsync()
    {
        var ns = await fx.NewNamespaceAsync();
        var list = $"/apis/apps/v1/namespaces/{ns}/deployments";
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, list, Deployment("web"));
        Assert.Equal(201, status);
        return (list + "/web", body);
    }

    private static JsonNode Parse(string json) => JsonNode.Parse(json)!;

    private static string[] Warnings(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Warning", out var values) ? values.ToArray() : [];

    public static TheoryData<string, string> TypoPatches => new()
    {
        { "application/merge-patch+json", """{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"nginx","imagee":"busybox"}]}}}}""" },
        { "application/strategic-merge-patch+json", """{"spec":{"template":{"spec":{"containers":[{"name":"main","imagee":"busybox"}]}}}}""" },
        { "application/json-patch+json", """[{"op":"add","path":"/spec/template/spec/containers/0/imagee","value":"busybox"}]""" },
    };

    [Theory]
    [MemberData(nameof(TypoPatches))]
    public async Task Strict_patches_with_an_unknown_field_are_422_and_write_nothing(string contentType, string patch)
    {
        var (path, created) = await NewDeploymentAsync();

        var (status, body, _) = await fx.SendAsync(HttpMethod.Patch, path + "?fieldValidation=Strict", patch, contentType);

        Assert.Equal(422, status);
        var error = Parse(body);
        Assert.Equal("Invalid", (string?)error["reason"]);
        var message = (string)error["message"]!;
        Assert.StartsWith(" \"\" is invalid: patch: Invalid value: \"", message, StringComparison.Ordinal);
        Assert.EndsWith($"\": strict decoding error: unknown field \"{Typo}\"", message, StringComparison.Ordinal);
        var cause = error["details"]!["causes"]![0]!;
        Assert.Equal(("FieldValueInvalid", "patch"), ((string?)cause["reason"], (string?)cause["field"]));
        if (contentType == "application/strategic-merge-patch+json")
        {
            Assert.Contains("Invalid value: \"map[spec:map[template:map[spec:map[containers:[map[imagee:busybox name:main]]]]]]\"", message, StringComparison.Ordinal);
        }

        var (_, after, _) = await fx.SendAsync(HttpMethod.Get, path);
        Assert.Equal((string?)Parse(created)["metadata"]!["resourceVersion"], (string?)Parse(after)["metadata"]!["resourceVersion"]);
    }

    [Theory]
    [MemberData(nameof(TypoPatches))]
    public async Task Warn_by_default_patches_with_a_warning_and_ignore_silently(string contentType, string patch)
    {
        var (path, _) = await NewDeploymentAsync();

        var (status, body, response) = await fx.SendAsync(HttpMethod.Patch, path, patch, contentType);
        Assert.Equal(200, status);
        Assert.Equal([$"299 - \"unknown field \\\"{Typo}\\\"\""], Warnings(response));
        Assert.Null(Parse(body)["spec"]!["template"]!["spec"]!["containers"]![0]!["imagee"]);

        var (ignoredStatus, _, ignored) = await fx.SendAsync(HttpMethod.Patch, path + "?fieldValidation=Ignore", patch, contentType);
        Assert.Equal(200, ignoredStatus);
        Assert.Empty(Warnings(ignored));
    }

    [Fact]
    public async Task Status_and_scale_subresource_patches_are_checked_against_their_own_kind()
    {
        var (path, created) = await NewDeploymentAsync();
        var before = (string?)Parse(created)["metadata"]!["resourceVersion"];

        var statusPatch = await fx.SendAsync(HttpMethod.Patch, path + "/status?fieldValidation=Strict",
            """{"status":{"replicas":1,"replicass":2}}""", "application/merge-patch+json");
        Assert.Equal(422, statusPatch.Status);
        Assert.EndsWith("strict decoding error: unknown field \"status.replicass\"", (string)Parse(statusPatch.Body)["message"]!, StringComparison.Ordinal);

        var scalePatch = await fx.SendAsync(HttpMethod.Patch, path + "/scale?fieldValidation=Strict",
            """{"spec":{"replicas":3,"replicass":4}}""", "application/merge-patch+json");
        Assert.Equal(422, scalePatch.Status);
        Assert.EndsWith("strict decoding error: unknown field \"spec.replicass\"", (string)Parse(scalePatch.Body)["message"]!, StringComparison.Ordinal);

        var scalePut = await fx.SendAsync(HttpMethod.Put, path + "/scale?fieldValidation=Strict",
            """{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web"},"spec":{"replicas":3,"replicass":4}}""");
        Assert.Equal(400, scalePut.Status);
        Assert.Equal("Scale in version \"v1\" cannot be handled as a Scale: strict decoding error: unknown field \"spec.replicass\"", (string?)Parse(scalePut.Body)["message"]);

        var warned = await fx.SendAsync(HttpMethod.Patch, path + "/scale", """{"spec":{"replicas":2,"replicass":4}}""", "application/merge-patch+json");
        Assert.Equal(200, warned.Status);
        Assert.Equal(["299 - \"unknown field \\\"spec.replicass\\\"\""], Warnings(warned.Response));

        var (_, after, _) = await fx.SendAsync(HttpMethod.Get, path);
        Assert.Equal(2, (int?)Parse(after)["spec"]!["replicas"]);
        Assert.NotEqual(before, (string?)Parse(after)["metadata"]!["resourceVersion"]);
    }

    [Theory]
    [InlineData("Strict")]
    [InlineData("Ignore")]
    public async Task Apply_with_an_undeclared_field_fails_typed_conversion_whatever_the_directive(string directive)
    {
        var (path, created) = await NewDeploymentAsync();
        var ns = path.Split('/')[5];

        var (status, body, _) = await fx.SendAsync(HttpMethod.Patch, $"{path}?fieldManager=kubectl&fieldValidation={directive}",
            Deployment("web", "{\"name\":\"main\",\"image\":\"nginx\",\"imagee\":\"busybox\"}").Replace("{\"name\":\"web\"}", $"{{\"name\":\"web\",\"namespace\":\"{ns}\"}}", StringComparison.Ordinal),
            Apply);

        Assert.Equal(500, status);
        var error = Parse(body);
        Assert.Null(error["reason"]);
        Assert.Equal(
            $"failed to create typed patch object ({ns}/web; apps/v1, Kind=Deployment): .spec.template.spec.containers[name=\"main\"].imagee: field not declared in schema",
            (string?)error["message"]);
        var (_, after, _) = await fx.SendAsync(HttpMethod.Get, path);
        Assert.Equal((string?)Parse(created)["metadata"]!["resourceVersion"], (string?)Parse(after)["metadata"]!["resourceVersion"]);

        var scale = await fx.SendAsync(HttpMethod.Patch, $"{path}/scale?fieldManager=kubectl",
            """{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web"},"spec":{"replicas":3,"replicass":4}}""", Apply);
        Assert.Equal(500, scale.Status);
        Assert.Equal(
            "failed to create typed patch object (/web; autoscaling/v1, Kind=Scale): .spec.replicass: field not declared in schema",
            (string?)Parse(scale.Body)["message"]);
    }

    [Fact]
    public async Task Apply_with_a_repeated_key_is_refused_under_strict_and_warned_about_otherwise()
    {
        var ns = await fx.NewNamespaceAsync();
        var path = $"/api/v1/namespaces/{ns}/configmaps/c";
        const string Yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: one\n  a: two\n";

        var strict = await fx.SendAsync(HttpMethod.Patch, path + "?fieldManager=me&fieldValidation=Strict", Yaml, Apply);
        Assert.Equal(400, strict.Status);
        Assert.Equal(
            "error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key \"a\" already set in map",
            (string?)Parse(strict.Body)["message"]);
        Assert.Equal(404, (await fx.SendAsync(HttpMethod.Get, path)).Status);

        var warned = await fx.SendAsync(HttpMethod.Patch, path + "?fieldManager=me", Yaml, Apply);
        Assert.Equal(201, warned.Status);
        Assert.Equal(["299 - \"line 7: key \\\"a\\\" already set in map\""], Warnings(warned.Response));
        Assert.Equal("two", (string?)Parse(warned.Body)["data"]!["a"]);
    }

    [Fact]
    public async Task A_dry_run_create_answers_the_object_it_would_create_without_a_resource_version()
    {
        var ns = await fx.NewNamespaceAsync();
        var list = $"/apis/apps/v1/namespaces/{ns}/deployments";

        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, list + "?dryRun=All", Deployment("ghost"));
        Assert.Equal(201, status);
        var meta = Parse(body)["metadata"]!;
        Assert.Null(meta["resourceVersion"]);
        Assert.NotNull(meta["uid"]);
        Assert.NotNull(meta["creationTimestamp"]);
        Assert.Equal(1, (int?)meta["generation"]);

        var applied = await fx.SendAsync(HttpMethod.Patch, list + "/ghost?dryRun=All&fieldManager=me", Deployment("ghost"), Apply);
        Assert.Equal(201, applied.Status);
        Assert.Null(Parse(applied.Body)["metadata"]!["resourceVersion"]);
        Assert.Equal(404, (await fx.SendAsync(HttpMethod.Get, list + "/ghost")).Status);
    }
}
