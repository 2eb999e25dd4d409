using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Skiff.Apimachinery.Protobuf;

namespace Skiff.ApiServer.Tests;

/// <summary>Server-side apply, managedFields, dryRun and protobuf responses over real HTTP.</summary>
[Collection(ServerCollection.Name)]
public sealed class ApplyDryRunProtobufTests(ServerFixture fx)
{
    private const string Apply = "application/apply-patch+yaml";
    private const string Protobuf = "application/vnd.kubernetes.protobuf";
    private const string TypedAccept = "application/vnd.kubernetes.protobuf,application/json";

    private static JsonNode Json(string body) => JsonNode.Parse(body)!;

    private static string ConfigMap(string name, string data) =>
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\"},\"data\":" + data + "}";

    private static string Deployment(string name, int replicas) =>
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"replicas\":" + replicas +
        ",\"selector\":{\"matchLabels\":{\"app\":\"" + name + "\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"" + name +
        "\"}},\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"nginx\"}]}}}}";

    private async Task<(int Status, byte[] Body, string ContentType)> SendRawAsync(
        HttpMethod method, string path, byte[]? body = null, string contentType = "application/json", string? accept = null, string? userAgent = null)
    {
        using var request = new HttpRequestMessage(method, fx.Url(path));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        if (userAgent is not null)
        {
            request.Headers.UserAgent.Clear();
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }

        using var response = await fx.Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response.Content.Headers.ContentType?.MediaType ?? string.Empty);
    }

    private async Task<(int Status, JsonNode Body)> SendAsync(HttpMethod method, string path, string? body = null, string contentType = "application/json", string? userAgent = null)
    {
        var (status, bytes, _) = await SendRawAsync(method, path, body is null ? null : Encoding.UTF8.GetBytes(body), contentType, userAgent: userAgent);
        return (status, Json(Encoding.UTF8.GetString(bytes)));
    }

    private static JsonArray Managed(JsonNode obj) => obj["metadata"]!["managedFields"]!.AsArray();

    [Fact]
    public async Task Apply_creates_reapplies_without_a_write_and_reports_conflicts_like_the_real_server()
    {
        var ns = await fx.NewNamespaceAsync();
        var path = $"/api/v1/namespaces/{ns}/configmaps/c";

        var noManager = await SendAsync(HttpMethod.Patch, path, ConfigMap("c", "{\"a\":\"1\"}"), Apply);
        Assert.Equal(422, noManager.Status);
        Assert.Equal("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch", (string?)noManager.Body["message"]);

        var created = await SendAsync(HttpMethod.Patch, path + "?fieldManager=alice", ConfigMap("c", "{\"a\":\"1\",\"b\":\"2\"}"), Apply);
        Assert.Equal(201, created.Status);
        var entry = Managed(created.Body).Single();
        Assert.Equal("alice", (string?)entry!["manager"]);
        Assert.Equal("Apply", (string?)entry["operation"]);
        Assert.Equal("v1", (string?)entry["apiVersion"]);
        Assert.Equal("FieldsV1", (string?)entry["fieldsType"]);
        Assert.NotNull(entry["time"]);
        Assert.NotNull(entry["fieldsV1"]!["f:data"]!["f:a"]);

        var again = await SendAsync(HttpMethod.Patch, path + "?fieldManager=alice", ConfigMap("c", "{\"a\":\"1\",\"b\":\"2\"}"), Apply);
        Assert.Equal(200, again.Status);
        Assert.Equal((string?)created.Body["metadata"]!["resourceVersion"], (string?)again.Body["metadata"]!["resourceVersion"]);

        var conflict = await SendAsync(HttpMethod.Patch, path + "?fieldManager=bob&force=false", ConfigMap("c", "{\"a\":\"9\"}"), Apply);
        Assert.Equal(409, conflict.Status);
        Assert.Equal("Conflict", (string?)conflict.Body["reason"]);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"alice\": .data.a", (string?)conflict.Body["message"]);
        var cause = conflict.Body["details"]!["causes"]![0]!;
        Assert.Equal(("FieldManagerConflict", "conflict with \"alice\"", ".data.a"), ((string?)cause["reason"], (string?)cause["message"], (string?)cause["field"]));

        // Same value: co-owned, no conflict. Forced: bob takes the field.
        Assert.Equal(200, (await SendAsync(HttpMethod.Patch, path + "?fieldManager=carol", ConfigMap("c", "{\"b\":\"2\"}"), Apply)).Status);
        var forced = await SendAsync(HttpMethod.Patch, path + "?fieldManager=bob&force=true", ConfigMap("c", "{\"a\":\"9\"}"), Apply);
        Assert.Equal(200, forced.Status);
        Assert.Equal("9", (string?)forced.Body["data"]!["a"]);
        var alice = Managed(forced.Body).Single(e => (string?)e!["manager"] == "alice")!;
        Assert.Null(alice["fieldsV1"]!["f:data"]!["f:a"]);

        // An update by another writer changing a field alice applied, then alice's apply conflicts with it.
        var updated = await SendAsync(HttpMethod.Patch, path + "?fieldManager=editor", "{\"data\":{\"b\":\"3\"}}", "application/merge-patch+json");
        Assert.Contains(Managed(updated.Body), e => (string?)e!["manager"] == "editor" && (string?)e["operation"] == "Update");
        var two = await SendAsync(HttpMethod.Patch, path + "?fieldManager=alice", ConfigMap("c", "{\"b\":\"4\"}"), Apply);
        Assert.Equal(409, two.Status);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"editor\" using v1: .data.b", (string?)two.Body["message"]);

        // A YAML body is read with YAML 1.1 scalars, as the API server's decoder does.
        var yaml = await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/yml?fieldManager=yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yml\ndata:\n  quoted: \"on\"\n", Apply);
        Assert.True(yaml.Status == 201, yaml.Body.ToJsonString());
        Assert.Equal("on", (string?)yaml.Body["data"]!["quoted"]);

        var notForApply = await SendAsync(HttpMethod.Patch, path + "?force=true", "{\"data\":{\"b\":\"5\"}}", "application/merge-patch+json");
        Assert.Equal(422, notForApply.Status);
        Assert.Equal("PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch", (string?)notForApply.Body["message"]);
    }

    [Fact]
    public async Task Apply_works_on_the_status_and_scale_subresources()
    {
        var ns = await fx.NewNamespaceAsync();
        var path = $"/apis/apps/v1/namespaces/{ns}/deployments/web";
        Assert.Equal(201, (await SendAsync(HttpMethod.Patch, path + "?fieldManager=kubectl", Deployment("web", 2), Apply)).Status);

        var scaled = await SendAsync(HttpMethod.Patch, path + "/scale?fieldManager=hpa",
            "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":2}}", Apply);
        Assert.Equal(200, scaled.Status);
        var forced = await SendAsync(HttpMethod.Patch, path + "/scale?fieldManager=hpa&force=true",
            "{\"apiVersion\":\"autoscaling/v1\",\"kind\":\"Scale\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":4}}", Apply);
        Assert.Equal(200, forced.Status);
        Assert.Equal(4, (int?)forced.Body["spec"]!["replicas"]);

        var conflict = await SendAsync(HttpMethod.Patch, path + "?fieldManager=kubectl", Deployment("web", 3), Apply);
        Assert.Equal(409, conflict.Status);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"hpa\" with subresource \"scale\": .spec.replicas", (string?)conflict.Body["message"]);

        var status = await SendAsync(HttpMethod.Patch, path + "/status?fieldManager=controller",
            "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},\"status\":{\"observedGeneration\":1}}", Apply);
        Assert.Equal(200, status.Status);
        var entry = Managed(status.Body).Single(e => (string?)e!["manager"] == "controller")!;
        Assert.Equal(("Apply", "status"), ((string?)entry["operation"], (string?)entry["subresource"]));
        Assert.NotNull(entry["fieldsV1"]!["f:status"]!["f:observedGeneration"]);

        var missing = await SendAsync(HttpMethod.Patch, $"/apis/apps/v1/namespaces/{ns}/deployments/none/status?fieldManager=x",
            "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"none\"},\"status\":{}}", Apply);
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task Every_write_records_its_manager_derived_from_the_user_agent_when_not_given()
    {
        var ns = await fx.NewNamespaceAsync();
        var body = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"m\",\"managedFields\":[{\"manager\":\"evil\",\"operation\":\"Bogus\"}]},\"data\":{\"a\":\"1\"}}";
        var created = await SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", body, userAgent: "my-tool/1.2 (linux/amd64)");
        Assert.Equal(201, created.Status);
        var entry = Managed(created.Body).Single()!;
        Assert.Equal(("my-tool", "Update", "v1", "FieldsV1"), ((string?)entry["manager"], (string?)entry["operation"], (string?)entry["apiVersion"], (string?)entry["fieldsType"]));
        Assert.NotNull(entry["fieldsV1"]!["f:data"]!["f:a"]);

        // A PUT without managedFields keeps them and adds the updater's entry for what it changed.
        var put = await SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/configmaps/m?fieldManager=replacer", ConfigMap("m", "{\"a\":\"1\",\"b\":\"2\"}"));
        Assert.Equal(200, put.Status);
        var entries = Managed(put.Body);
        Assert.Equal(new[] { "my-tool", "replacer" }, entries.Select(e => (string)e!["manager"]!).ToArray());
        Assert.NotNull(entries[1]!["fieldsV1"]!["f:data"]!["f:b"]);
        Assert.Null(entries[1]!["fieldsV1"]!["f:data"]!["f:a"]);

        // [{}] clears them.
        var cleared = await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/m", "{\"metadata\":{\"managedFields\":[{}]}}", "application/merge-patch+json");
        Assert.Equal(200, cleared.Status);
        Assert.Null(cleared.Body["metadata"]!["managedFields"]);
    }

    [Fact]
    public async Task Dry_run_validates_and_answers_but_stores_nothing()
    {
        var ns = await fx.NewNamespaceAsync();
        var list = $"/api/v1/namespaces/{ns}/configmaps";
        Assert.Equal(201, (await SendAsync(HttpMethod.Post, list, ConfigMap("real", "{\"a\":\"1\"}"))).Status);
        var before = (string?)(await SendAsync(HttpMethod.Get, list)).Body["metadata"]!["resourceVersion"];

        var created = await SendAsync(HttpMethod.Post, list + "?dryRun=All", ConfigMap("ghost", "{\"a\":\"1\"}"));
        Assert.Equal(201, created.Status);
        Assert.Equal("ghost", (string?)created.Body["metadata"]!["name"]);
        Assert.NotNull(created.Body["metadata"]!["uid"]);
        Assert.Null(created.Body["metadata"]!["resourceVersion"]);
        Assert.Equal(404, (await SendAsync(HttpMethod.Get, list + "/ghost")).Status);
        Assert.Equal(409, (await SendAsync(HttpMethod.Post, list + "?dryRun=All", ConfigMap("real", "{}"))).Status);
        var invalid = await SendAsync(HttpMethod.Post, list + "?dryRun=All", ConfigMap("Bad_Name", "{}"));
        Assert.Equal(422, invalid.Status);

        Assert.Equal("2", (string?)(await SendAsync(HttpMethod.Put, list + "/real?dryRun=All", ConfigMap("real", "{\"a\":\"2\"}"))).Body["data"]!["a"]);
        Assert.Equal("3", (string?)(await SendAsync(HttpMethod.Patch, list + "/real?dryRun=All", "{\"data\":{\"a\":\"3\"}}", "application/merge-patch+json")).Body["data"]!["a"]);
        Assert.Equal("4", (string?)(await SendAsync(HttpMethod.Patch, list + "/real?dryRun=All", "[{\"op\":\"replace\",\"path\":\"/data/a\",\"value\":\"4\"}]", "application/json-patch+json")).Body["data"]!["a"]);
        Assert.Equal("5", (string?)(await SendAsync(HttpMethod.Patch, list + "/real?dryRun=All", "{\"data\":{\"a\":\"5\"}}", "application/strategic-merge-patch+json")).Body["data"]!["a"]);
        Assert.Equal("6", (string?)(await SendAsync(HttpMethod.Patch, list + "/real?dryRun=All&fieldManager=x&force=true", ConfigMap("real", "{\"a\":\"6\"}"), Apply)).Body["data"]!["a"]);
        Assert.Equal(201, (await SendAsync(HttpMethod.Patch, list + "/ghost?dryRun=All&fieldManager=x", ConfigMap("ghost", "{}"), Apply)).Status);
        Assert.Equal(200, (await SendAsync(HttpMethod.Delete, list + "/real?dryRun=All")).Status);
        Assert.Equal(200, (await SendAsync(HttpMethod.Delete, list + "/real", "{\"dryRun\":[\"All\"]}")).Status);

        var unknown = await SendAsync(HttpMethod.Post, list + "?dryRun=Maybe", ConfigMap("x", "{}"));
        Assert.Equal(422, unknown.Status);
        Assert.Equal("CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: []string{\"Maybe\"}: supported values: \"All\"", (string?)unknown.Body["message"]);
        Assert.Equal(422, (await SendAsync(HttpMethod.Delete, list + "/real", "{\"dryRun\":[\"Nope\"]}")).Status);

        var after = await SendAsync(HttpMethod.Get, list + "/real");
        Assert.Equal("1", (string?)after.Body["data"]!["a"]);
        Assert.Equal(before, (string?)(await SendAsync(HttpMethod.Get, list)).Body["metadata"]!["resourceVersion"]);
        Assert.Equal(404, (await SendAsync(HttpMethod.Get, list + "/ghost")).Status);
    }

    [Fact]
    public async Task Deletes_answer_a_success_status_naming_the_object_unless_the_kind_returns_the_deleted_object()
    {
        var ns = await fx.NewNamespaceAsync();
        var list = $"/api/v1/namespaces/{ns}/configmaps";
        var created = await SendAsync(HttpMethod.Post, list, ConfigMap("gone", "{}"));
        var uid = (string?)created.Body["metadata"]!["uid"];

        foreach (var query in new[] { "?dryRun=All", string.Empty })
        {
            var deleted = await SendAsync(HttpMethod.Delete, list + "/gone" + query);
            Assert.Equal(200, deleted.Status);
            Assert.Equal(("Status", "v1", "Success"), ((string?)deleted.Body["kind"], (string?)deleted.Body["apiVersion"], (string?)deleted.Body["status"]));
            Assert.Equal(("gone", "configmaps", uid), ((string?)deleted.Body["details"]!["name"], (string?)deleted.Body["details"]!["kind"], (string?)deleted.Body["details"]!["uid"]));
            Assert.Null(deleted.Body["details"]!["group"]);
        }

        Assert.Equal(404, (await SendAsync(HttpMethod.Get, list + "/gone")).Status);

        var deployments = $"/apis/apps/v1/namespaces/{ns}/deployments";
        await SendAsync(HttpMethod.Post, deployments, Deployment("web", 1));
        var deployment = await SendAsync(HttpMethod.Delete, deployments + "/web");
        Assert.Equal(("apps", "deployments"), ((string?)deployment.Body["details"]!["group"], (string?)deployment.Body["details"]!["kind"]));

        // Pods, services and service accounts answer with the object; an object kept by a finalizer too.
        await SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/serviceaccounts", "{\"metadata\":{\"name\":\"sa\"}}");
        Assert.Equal("ServiceAccount", (string?)(await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/serviceaccounts/sa")).Body["kind"]);
        await SendAsync(HttpMethod.Post, list, "{\"metadata\":{\"name\":\"held\",\"finalizers\":[\"example.com/hold\"]}}");
        var held = await SendAsync(HttpMethod.Delete, list + "/held");
        Assert.Equal("ConfigMap", (string?)held.Body["kind"]);
        Assert.NotNull(held.Body["metadata"]!["deletionTimestamp"]);
    }

    [Fact]
    public async Task Typed_clients_get_protobuf_objects_lists_and_errors_and_unknown_protobuf_kinds_are_415()
    {
        var ns = await fx.NewNamespaceAsync();
        var list = $"/api/v1/namespaces/{ns}/configmaps";
        var body = KubeProtobuf.Encode(JsonNode.Parse(ConfigMap("p", "{\"k\":\"v\"}"))!.AsObject());

        var created = await SendRawAsync(HttpMethod.Post, list, body, Protobuf, TypedAccept);
        Assert.Equal((201, Protobuf), (created.Status, created.ContentType));
        var decoded = KubeProtobuf.Decode(created.Body);
        Assert.Equal(("ConfigMap", "p", "v"), ((string?)decoded["kind"], (string?)decoded["metadata"]!["name"], (string?)decoded["data"]!["k"]));
        Assert.Equal(ns, (string?)decoded["metadata"]!["namespace"]);

        var got = await SendRawAsync(HttpMethod.Get, list + "/p", accept: TypedAccept);
        Assert.Equal(Protobuf, got.ContentType);
        Assert.Equal(decoded.ToJsonString(), KubeProtobuf.Decode(got.Body).ToJsonString());

        var all = await SendRawAsync(HttpMethod.Get, list, accept: TypedAccept);
        Assert.Equal(Protobuf, all.ContentType);
        var items = KubeProtobuf.Decode(all.Body);
        Assert.Equal("ConfigMapList", (string?)items["kind"]);
        Assert.Equal("p", (string?)items["items"]![0]!["metadata"]!["name"]);

        var missing = await SendRawAsync(HttpMethod.Get, list + "/nope", accept: TypedAccept);
        Assert.Equal((404, Protobuf), (missing.Status, missing.ContentType));
        var status = KubeProtobuf.Decode(missing.Body);
        Assert.Equal(("Status", "NotFound", "configmaps \"nope\" not found"), ((string?)status["kind"], (string?)status["reason"], (string?)status["message"]));

        // JSON is still the answer to JSON clients, and for kinds without a wire schema (Scale).
        Assert.Equal("application/json", (await SendRawAsync(HttpMethod.Get, list + "/p")).ContentType);
        await SendAsync(HttpMethod.Post, $"/apis/apps/v1/namespaces/{ns}/deployments", Deployment("web", 1));
        Assert.Equal("application/json", (await SendRawAsync(HttpMethod.Get, $"/apis/apps/v1/namespaces/{ns}/deployments/web/scale", accept: TypedAccept)).ContentType);

        var renamed = body.ToArray();
        var at = renamed.AsSpan().IndexOf("ConfigMap"u8);
        "ConfigMaq"u8.CopyTo(renamed.AsSpan(at));
        var unsupported = await SendRawAsync(HttpMethod.Post, list, renamed, Protobuf);
        Assert.Equal(415, unsupported.Status);
        Assert.Equal("UnsupportedMediaType", (string?)Json(Encoding.UTF8.GetString(unsupported.Body))["reason"]);
        Assert.Equal(400, (await SendRawAsync(HttpMethod.Post, list, "garbage"u8.ToArray(), Protobuf)).Status);
    }
}
