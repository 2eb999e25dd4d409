using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.ApiServer.Tests;

[Collection(ServerCollection.Name)]
public sealed class HttpApiTests(ServerFixture fx)
{
    private static string Pod(string name, string? nodeName = null, string image = "nginx", string labels = "{\"app\":\"web\"}")
    {
        var node = nodeName is null ? string.Empty : "\"nodeName\":\"" + nodeName + "\",";
        return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":" + labels +
            "},\"spec\":{" + node + "\"containers\":[{\"name\":\"main\",\"image\":\"" + image + "\"}]}}";
    }

    private static JsonNode Json(string body) => JsonNode.Parse(body)!;

    [Fact]
    public async Task Requests_without_credentials_are_anonymous_and_forbidden_except_health_and_version()
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var anonymous = new HttpClient(handler);
        var denied = await anonymous.GetAsync(fx.Url("/api/v1/pods"));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var status = Json(await denied.Content.ReadAsStringAsync());
        Assert.Equal("Forbidden", (string?)status["reason"]);
        Assert.Equal(403, (int?)status["code"]);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(fx.Url("/healthz"))).StatusCode);
        var version = Json(await anonymous.GetStringAsync(fx.Url("/version")));
        Assert.Equal("1", (string?)version["major"]);
        Assert.Equal("32", (string?)version["minor"]);
    }

    [Fact]
    public async Task Bearer_tokens_from_the_token_authenticator_are_accepted()
    {
        var token = Guid.NewGuid().ToString("N");
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var client = new HttpClient(handler);
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(fx.Url("/api"))).StatusCode);
        fx.Server.Tokens.Add(token, new Security.UserInfo("node-1", ["system:nodes"]));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(fx.Url("/api"))).StatusCode);
    }

    [Fact]
    public async Task Aggregated_discovery_has_the_exact_content_type_and_legacy_discovery_lists_resources()
    {
        var (code, body, response) = await fx.SendAsync(HttpMethod.Get, "/apis", accept:
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json");
        Assert.Equal(200, code);
        Assert.Equal("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", response.Content.Headers.ContentType!.ToString().Replace(" ", "", StringComparison.Ordinal));
        var apps = Json(body)["items"]!.AsArray().First(i => (string?)i!["metadata"]!["name"] == "apps")!;
        var deployments = apps["versions"]![0]!["resources"]!.AsArray().First(r => (string?)r!["resource"] == "deployments")!;
        Assert.Equal("Namespaced", (string?)deployments["scope"]);
        Assert.Equal("Deployment", (string?)deployments["responseKind"]!["kind"]);

        var (_, coreList, _) = await fx.SendAsync(HttpMethod.Get, "/api/v1");
        var names = Json(coreList)["resources"]!.AsArray().Select(r => (string?)r!["name"]).ToList();
        Assert.Contains("pods", names);
        Assert.Contains("pods/status", names);
        Assert.Equal("v1", (string?)Json((await fx.SendAsync(HttpMethod.Get, "/api")).Body)["versions"]![0]);
        Assert.Equal(404, (await fx.SendAsync(HttpMethod.Get, "/apis/nope.example.com/v1/things")).Status);
        Assert.Equal(404, (await fx.SendAsync(HttpMethod.Get, "/openapi/v2")).Status);
    }

    [Fact]
    public async Task Create_get_and_the_real_errors_of_create()
    {
        var ns = await fx.NewNamespaceAsync();
        var (code, body, _) = await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("a"));
        Assert.Equal(201, code);
        var created = Json(body);
        Assert.Equal(ns, (string?)created["metadata"]!["namespace"]);
        Assert.Matches("^[0-9]+$", (string?)created["metadata"]!["resourceVersion"]);
        Assert.Matches("^[0-9-]+T[0-9:]+Z$", (string?)created["metadata"]!["creationTimestamp"]);
        Assert.True(((string?)created["metadata"]!["uid"])!.Length > 30);
        Assert.Equal("Always", (string?)created["spec"]!["restartPolicy"]);
        Assert.Equal("Pending", (string?)created["status"]!["phase"]);

        var got = Json((await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/a")).Body);
        Assert.Equal((string?)created["metadata"]!["resourceVersion"], (string?)got["metadata"]!["resourceVersion"]);

        var exists = await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("a"));
        Assert.Equal(409, exists.Status);
        Assert.Equal("AlreadyExists", (string?)Json(exists.Body)["reason"]);
        Assert.Equal("pods \"a\" already exists", (string?)Json(exists.Body)["message"]);

        var missing = await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/nope");
        Assert.Equal(404, missing.Status);
        Assert.Equal("pods \"nope\" not found", (string?)Json(missing.Body)["message"]);

        var noNamespace = await fx.SendAsync(HttpMethod.Post, "/api/v1/namespaces/does-not-exist/pods", Pod("b"));
        Assert.Equal(404, noNamespace.Status);
        Assert.Equal("namespaces \"does-not-exist\" not found", (string?)Json(noNamespace.Body)["message"]);

        var invalid = await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("c").Replace("\"name\":\"main\"", "\"name\":\"\"", StringComparison.Ordinal));
        Assert.Equal(422, invalid.Status);
        Assert.Equal("Invalid", (string?)Json(invalid.Body)["reason"]);
        Assert.True((string?)Json(invalid.Body)["message"] == "Pod \"c\" is invalid: spec.containers[0].name: Required value", invalid.Body);
        Assert.Equal("spec.containers[0].name", (string?)Json(invalid.Body)["details"]!["causes"]![0]!["field"]);
        Assert.Null(Json(invalid.Body)["hasObject"]);

        var wrongKind = await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", """{"apiVersion":"v1","kind":"Service","metadata":{"name":"d"}}""");
        Assert.Equal(400, wrongKind.Status);
        var wrongNamespace = await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("e").Replace("\"name\":\"e\"", "\"name\":\"e\",\"namespace\":\"other\"", StringComparison.Ordinal));
        Assert.Equal(400, wrongNamespace.Status);
        var badJson = await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", "{not json");
        Assert.Equal(400, badJson.Status);
        var unsupported = await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("f"), contentType: "text/csv");
        Assert.Equal(415, unsupported.Status);
        var huge = await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", "{\"x\":\"" + new string('a', 3 * 1024 * 1024) + "\"}");
        Assert.Equal(413, huge.Status);

        var yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n  - name: main\n    image: nginx\n";
        Assert.Equal(201, (await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", yaml, "application/yaml")).Status);

        var list = Json((await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods")).Body);
        Assert.Equal(["a", "from-yaml"], list["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!).ToArray());
        Assert.Equal("PodList", (string?)list["kind"]);
    }

    [Fact]
    public async Task Unknown_fields_warn_by_default_and_are_refused_under_strict_field_validation()
    {
        var ns = await fx.NewNamespaceAsync();
        const string body = "{\"metadata\":{\"name\":\"f\"},\"data\":{\"k\":\"v\"},\"extra\":1}";

        var strict = await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps?fieldValidation=Strict", body);
        Assert.Equal(400, strict.Status);
        Assert.Equal("BadRequest", (string?)Json(strict.Body)["reason"]);
        Assert.Equal("ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"extra\"", (string?)Json(strict.Body)["message"]);
        Assert.Equal(404, (await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/f")).Status);

        var bad = await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps?fieldValidation=Loose", body);
        Assert.Equal(422, bad.Status);
        Assert.Equal("CreateOptions.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: \"Loose\": supported values: \"Ignore\", \"Strict\", \"Warn\"", (string?)Json(bad.Body)["message"]);

        var warned = await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", body);
        Assert.Equal(201, warned.Status);
        Assert.Equal(["299 - \"unknown field \\\"extra\\\"\""], warned.Response.Headers.GetValues("Warning"));

        var ignored = await fx.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/configmaps/f?fieldValidation=Ignore", body);
        Assert.Equal(200, ignored.Status);
        Assert.False(ignored.Response.Headers.Contains("Warning"));
    }

    [Fact]
    public async Task Generate_name_draws_a_suffix()
    {
        var ns = await fx.NewNamespaceAsync();
        var body = Pod("x").Replace("\"name\":\"x\"", "\"generateName\":\"web-\"", StringComparison.Ordinal);
        var created = Json((await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", body)).Body);
        Assert.Matches("^web-[a-z0-9]{5}$", (string?)created["metadata"]!["name"]);
    }

    [Fact]
    public async Task Update_with_a_stale_resource_version_is_a_conflict_and_writes_nothing()
    {
        var ns = await fx.NewNamespaceAsync();
        var created = Json((await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("a"))).Body);
        created["metadata"]!["labels"]!["v"] = "2";
        var ok = await fx.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/pods/a", created.ToJsonString());
        Assert.Equal(200, ok.Status);
        created["metadata"]!["labels"]!["v"] = "3";
        var stale = await fx.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/pods/a", created.ToJsonString());
        Assert.Equal(409, stale.Status);
        Assert.Equal("Operation cannot be fulfilled on pods \"a\": the object has been modified; please apply your changes to the latest version and try again",
            (string?)Json(stale.Body)["message"]);
        var now = Json((await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/a")).Body);
        Assert.Equal("2", (string?)now["metadata"]!["labels"]!["v"]);
    }

    [Fact]
    public async Task Merge_and_strategic_patches_update_and_bad_patch_types_are_415()
    {
        var ns = await fx.NewNamespaceAsync();
        await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("a"));
        var merged = await fx.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/a", """{"metadata":{"labels":{"tier":"x"}}}""", "application/merge-patch+json");
        Assert.Equal(200, merged.Status);
        Assert.Equal("x", (string?)Json(merged.Body)["metadata"]!["labels"]!["tier"]);
        var smp = await fx.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/a",
            """{"spec":{"containers":[{"name":"main","image":"nginx:2"}]}}""", "application/strategic-merge-patch+json");
        Assert.Equal(200, smp.Status);
        Assert.Equal("nginx:2", (string?)Json(smp.Body)["spec"]!["containers"]![0]!["image"]);
        var bad = await fx.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/a", "{}", "application/xml");
        Assert.Equal(415, bad.Status);
    }

    [Fact]
    public async Task Label_and_field_selectors_filter_lists_and_unknown_fields_are_400()
    {
        var ns = await fx.NewNamespaceAsync();
        await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("a", labels: "{\"app\":\"web\"}"));
        await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("b", nodeName: "n1", labels: "{\"app\":\"db\"}"));
        async Task<string[]> Names(string query) =>
            Json((await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods?{query}")).Body)["items"]!.AsArray()
                .Select(i => (string)i!["metadata"]!["name"]!).ToArray();
        Assert.Equal(["a"], await Names("labelSelector=app%3Dweb"));
        Assert.Equal(["b"], await Names("labelSelector=app%20in%20(db)"));
        Assert.Equal(["a", "b"], await Names("labelSelector=app"));
        Assert.Equal(["b"], await Names("fieldSelector=spec.nodeName%3Dn1"));
        Assert.Equal(["a"], await Names("fieldSelector=metadata.name%3Da"));
        Assert.Equal(["a"], await Names("fieldSelector=spec.nodeName%3D"));
        var unknown = await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods?fieldSelector=spec.bogus%3Dx");
        Assert.Equal(400, unknown.Status);
        Assert.Equal("field label not supported: spec.bogus", (string?)Json(unknown.Body)["message"]);
    }

    [Fact]
    public async Task Limit_and_continue_page_through_a_consistent_snapshot()
    {
        var ns = await fx.NewNamespaceAsync();
        for (var i = 0; i < 5; i++)
        {
            await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("p" + i));
        }

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = Json((await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods?limit=2" + (token is null ? "" : "&continue=" + Uri.EscapeDataString(token)))).Body);
            seen.AddRange(page["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!));
            token = (string?)page["metadata"]!["continue"];
            pages++;
            if (pages == 1)
            {
                // A write between pages does not show up in the rest of the snapshot.
                await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("p9"));
            }
        }
        while (token is not null);
        Assert.Equal(3, pages);
        Assert.Equal(["p0", "p1", "p2", "p3", "p4"], seen);
    }

    [Fact]
    public async Task Table_responses_carry_columns_rows_metadata_and_resource_version()
    {
        var ns = await fx.NewNamespaceAsync();
        await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("a"));
        const string accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        var table = Json((await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods?limit=500", accept: accept)).Body);
        Assert.Equal("Table", (string?)table["kind"]);
        Assert.Matches("^[0-9]+$", (string?)table["metadata"]!["resourceVersion"]);
        Assert.Equal("Name", (string?)table["columnDefinitions"]![0]!["name"]);
        Assert.Equal("name", (string?)table["columnDefinitions"]![0]!["format"]);
        var row = table["rows"]![0]!;
        Assert.Equal("a", (string?)row["cells"]![0]);
        Assert.Equal("PartialObjectMetadata", (string?)row["object"]!["kind"]);
        Assert.Equal("web", (string?)row["object"]!["metadata"]!["labels"]!["app"]);
        var full = Json((await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods?includeObject=Object", accept: accept)).Body);
        Assert.Equal("Pod", (string?)full["rows"]![0]!["object"]!["kind"]);
    }

    [Fact]
    public async Task Binding_assigns_a_node_once()
    {
        var ns = await fx.NewNamespaceAsync();
        await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("a"));
        const string binding = """{"apiVersion":"v1","kind":"Binding","metadata":{"name":"a"},"target":{"kind":"Node","name":"node-1"}}""";
        Assert.Equal(201, (await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods/a/binding", binding)).Status);
        var pod = Json((await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/a")).Body);
        Assert.Equal("node-1", (string?)pod["spec"]!["nodeName"]);
        var again = await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods/a/binding", binding.Replace("node-1", "node-2", StringComparison.Ordinal));
        Assert.Equal(409, again.Status);
        Assert.Contains("is already assigned to node \"node-1\"", (string?)Json(again.Body)["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bound_pod_is_deleted_gracefully_and_an_unbound_one_at_once()
    {
        var ns = await fx.NewNamespaceAsync();
        await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("bound", nodeName: "n1"));
        await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("free"));
        var first = Json((await fx.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/bound")).Body);
        Assert.NotNull(first["metadata"]!["deletionTimestamp"]);
        Assert.Equal(30, (int?)first["metadata"]!["deletionGracePeriodSeconds"]);
        Assert.Equal(200, (await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/bound")).Status);
        await fx.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/bound", """{"gracePeriodSeconds":0}""");
        Assert.Equal(404, (await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/bound")).Status);
        await fx.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/free");
        Assert.Equal(404, (await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/free")).Status);
        var wrongUid = await fx.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/nope");
        Assert.Equal(404, wrongUid.Status);
    }

    [Fact]
    public async Task Finalizers_keep_an_object_until_they_are_removed()
    {
        var ns = await fx.NewNamespaceAsync();
        await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps",
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","finalizers":["example.com/hold"]},"data":{"k":"v"}}""");
        var deleting = Json((await fx.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/c")).Body);
        Assert.NotNull(deleting["metadata"]!["deletionTimestamp"]);
        Assert.Equal(200, (await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/c")).Status);
        var removed = await fx.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/c", """{"metadata":{"finalizers":null}}""", "application/merge-patch+json");
        Assert.Equal(200, removed.Status);
        Assert.Equal(404, (await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/c")).Status);
    }

    [Fact]
    public async Task Preconditions_on_delete_are_checked()
    {
        var ns = await fx.NewNamespaceAsync();
        await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("a"));
        var refused = await fx.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/a", """{"preconditions":{"uid":"other"}}""");
        Assert.Equal(409, refused.Status);
        Assert.Equal(200, (await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/a")).Status);
    }

    [Fact]
    public async Task Scale_subresource_reads_and_writes_replicas()
    {
        var ns = await fx.NewNamespaceAsync();
        const string deployment = """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"m","image":"nginx"}]}}}}""";
        Assert.Equal(201, (await fx.SendAsync(HttpMethod.Post, $"/apis/apps/v1/namespaces/{ns}/deployments", deployment)).Status);
        var scale = Json((await fx.SendAsync(HttpMethod.Get, $"/apis/apps/v1/namespaces/{ns}/deployments/web/scale")).Body);
        Assert.Equal("Scale", (string?)scale["kind"]);
        Assert.Equal("app=web", (string?)scale["status"]!["selector"]);
        var patched = Json((await fx.SendAsync(HttpMethod.Patch, $"/apis/apps/v1/namespaces/{ns}/deployments/web/scale", """{"spec":{"replicas":3}}""", "application/merge-patch+json")).Body);
        Assert.Equal(3, (int?)patched["spec"]!["replicas"]);
        var dep = Json((await fx.SendAsync(HttpMethod.Get, $"/apis/apps/v1/namespaces/{ns}/deployments/web")).Body);
        Assert.Equal(3, (int?)dep["spec"]!["replicas"]);
        Assert.Equal(2, (int?)dep["metadata"]!["generation"]);
    }

    [Fact]
    public async Task Namespace_deletion_terminates_it_and_finalize_removes_it()
    {
        var ns = await fx.NewNamespaceAsync();
        var created = Json((await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}")).Body);
        Assert.Equal("kubernetes", (string?)created["spec"]!["finalizers"]![0]);
        await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("a"));
        var deleting = Json((await fx.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}")).Body);
        Assert.Equal("Terminating", (string?)deleting["status"]!["phase"]);
        Assert.NotNull(deleting["metadata"]!["deletionTimestamp"]);
        var refused = await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("b"));
        Assert.Equal(403, refused.Status);
        Assert.Contains($"unable to create new content in namespace {ns} because it is being terminated", refused.Body, StringComparison.Ordinal);
        var cause = Json(refused.Body)["details"]!["causes"]![0]!;
        Assert.Equal(("NamespaceTerminating", "metadata.namespace"), ((string?)cause["reason"], (string?)cause["field"]));

        // Emptying it is the namespace controller's work (none runs here): the finalizer holds it, whatever the deletes.
        Assert.Equal(200, (await fx.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}")).Status);
        var status = Json((await fx.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/status",
            """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"NS"},"status":{"phase":"Terminating","conditions":[{"type":"NamespaceContentRemaining","status":"True","reason":"SomeResourcesRemain","message":"m"}]}}""".Replace("NS", ns, StringComparison.Ordinal))).Body);
        Assert.Equal("SomeResourcesRemain", (string?)status["status"]!["conditions"]![0]!["reason"]);
        Assert.Equal(200, (await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}")).Status);

        var invalid = await fx.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/finalize",
            """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"NS"},"spec":{"finalizers":["bad name"]}}""".Replace("NS", ns, StringComparison.Ordinal));
        Assert.Equal(422, invalid.Status);
        Assert.Equal(200, (await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}")).Status);

        var finalized = await fx.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/finalize",
            """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"NS"},"spec":{"finalizers":[]}}""".Replace("NS", ns, StringComparison.Ordinal));
        Assert.Equal(200, finalized.Status);
        Assert.Equal(404, (await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}")).Status);
    }

    [Fact]
    public async Task System_namespaces_may_not_be_deleted()
    {
        foreach (var ns in new[] { "default", "kube-system", "kube-public" })
        {
            var refused = await fx.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}");
            Assert.Equal(403, refused.Status);
            Assert.Equal($"namespaces \"{ns}\" is forbidden: this namespace may not be deleted", (string?)Json(refused.Body)["message"]);
            Assert.Null(Json((await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}")).Body)["metadata"]!["deletionTimestamp"]);
        }
    }

    [Fact]
    public async Task Finalize_of_a_live_namespace_changes_only_its_finalizers()
    {
        var ns = await fx.NewNamespaceAsync();
        var finalized = Json((await fx.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/finalize",
            """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"NS","labels":{"x":"y"}},"spec":{"finalizers":["example.com/audit"]},"status":{"phase":"Terminating"}}""".Replace("NS", ns, StringComparison.Ordinal))).Body);
        Assert.Equal("example.com/audit", (string?)finalized["spec"]!["finalizers"]![0]);
        Assert.Equal("Active", (string?)finalized["status"]!["phase"]);
        Assert.Null(finalized["metadata"]!["labels"]!["x"]);
        Assert.Equal(200, (await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}")).Status);
    }

    [Fact]
    public async Task System_namespaces_exist()
    {
        var list = Json((await fx.SendAsync(HttpMethod.Get, "/api/v1/namespaces")).Body);
        var names = list["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]).ToList();
        Assert.Contains("default", names);
        Assert.Contains("kube-system", names);
        Assert.Contains("kube-public", names);
        Assert.Contains("kube-node-lease", names);
    }

    [Fact]
    public async Task Watch_streams_events_resumes_from_a_resource_version_and_ends_at_timeout()
    {
        var ns = await fx.NewNamespaceAsync();
        var created = Json((await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("a"))).Body);
        var rv = (string)created["metadata"]!["resourceVersion"]!;
        await fx.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/a", """{"metadata":{"labels":{"x":"1"}}}""", "application/merge-patch+json");
        await fx.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/a");
        var events = await ReadWatchAsync($"/api/v1/namespaces/{ns}/pods?watch=true&resourceVersion={rv}&timeoutSeconds=1", 2);
        Assert.Equal(["MODIFIED", "DELETED"], events.Select(e => (string)e["type"]!).ToArray());

        var fromStart = await ReadWatchAsync($"/api/v1/namespaces/{ns}/pods?watch=1&timeoutSeconds=1", 0);
        Assert.Empty(fromStart); // nothing is left, so no initial ADDED events; the stream ended at the timeout

    }

    [Fact]
    public async Task Watch_from_a_revision_older_than_the_cache_window_gets_a_410_error_event()
    {
        var ns = await fx.NewNamespaceAsync();
        string? first = null;
        for (var i = 0; i < ServerFixture.WatchHistorySize + 5; i++)
        {
            var created = Json((await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", "{\"metadata\":{\"name\":\"c" + i + "\"}}")).Body);
            first ??= (string?)created["metadata"]!["resourceVersion"];
        }

        var events = await ReadWatchAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={first}&timeoutSeconds=1", 1);
        Assert.Equal("ERROR", (string?)events[0]["type"]);
        Assert.Equal(410, (int?)events[0]["object"]!["code"]);
        Assert.Equal("Expired", (string?)events[0]["object"]!["reason"]);
    }

    [Fact]
    public async Task Watch_with_a_field_selector_sees_an_object_leave_the_selection_as_deleted()
    {
        var ns = await fx.NewNamespaceAsync();
        var created = Json((await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("a"))).Body);
        var rv = (string)created["metadata"]!["resourceVersion"]!;
        await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("other"));
        await fx.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/a", """{"metadata":{"labels":{"app":"db"}}}""", "application/merge-patch+json");
        var events = await ReadWatchAsync($"/api/v1/namespaces/{ns}/pods?watch=true&labelSelector=app%3Dweb&resourceVersion={rv}&timeoutSeconds=1", 2);
        Assert.Equal(["ADDED", "DELETED"], events.Select(e => (string)e["type"]!).ToArray());
        Assert.Equal("other", (string?)events[0]["object"]!["metadata"]!["name"]);
        Assert.Equal("a", (string?)events[1]["object"]!["metadata"]!["name"]);
    }

    [Fact]
    public async Task Watch_as_table_sends_table_rows()
    {
        var ns = await fx.NewNamespaceAsync();
        const string accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
        await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", Pod("a"));
        var events = await ReadWatchAsync($"/api/v1/namespaces/{ns}/pods?watch=true&timeoutSeconds=1", 1, accept);
        Assert.Equal("Table", (string?)events[0]["object"]!["kind"]);
        Assert.Equal("a", (string?)events[0]["object"]!["rows"]![0]!["cells"]![0]);
    }

    private async Task<List<JsonNode>> ReadWatchAsync(string path, int expected, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, fx.Url(path));
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await fx.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<JsonNode>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length > 0)
            {
                events.Add(JsonNode.Parse(line)!);
            }
        }

        Assert.True(events.Count >= expected, $"expected {expected} events, got {events.Count}: {string.Join('\n', events.Select(e => e.ToJsonString()))}");
        return events;
    }
}
