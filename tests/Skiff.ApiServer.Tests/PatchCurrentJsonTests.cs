using System.Text.Json.Nodes;

namespace Skiff.ApiServer.Tests;

/// <summary>A patch applies to the current object's JSON as stored, with its resourceVersion written in (not the object
/// encoded again); a resource stored in another shape (events.k8s.io Events, stored as core Events) is patched in the
/// shape it is served in.</summary>
[Collection(ServerCollection.Name)]
public sealed class PatchCurrentJsonTests(ServerFixture fx)
{
    private static JsonNode Parse(string json) => JsonNode.Parse(json)!;

    [Fact]
    public async Task A_json_patch_tests_the_current_resourceVersion_and_a_status_patch_keeps_the_rest()
    {
        var ns = await fx.NewNamespaceAsync();
        var list = $"/api/v1/namespaces/{ns}/pods";
        var (status, created, _) = await fx.SendAsync(HttpMethod.Post, list,
            """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx","resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}]}}""");
        Assert.Equal(201, status);
        var version = (string)Parse(created)["metadata"]!["resourceVersion"]!;

        // The `test` op reads the current JSON: it must carry the resourceVersion the object was read at.
        var (tested, testedBody, _) = await fx.SendAsync(HttpMethod.Patch, list + "/web",
            $$"""[{"op":"test","path":"/metadata/resourceVersion","value":"{{version}}"},{"op":"add","path":"/metadata/labels/tier","value":"front"}]""",
            "application/json-patch+json");
        Assert.Equal(200, tested);
        Assert.Equal("front", (string?)Parse(testedBody)["metadata"]!["labels"]!["tier"]);

        var (stale, _, _) = await fx.SendAsync(HttpMethod.Patch, list + "/web",
            $$"""[{"op":"test","path":"/metadata/resourceVersion","value":"{{version}}"},{"op":"add","path":"/metadata/labels/tier","value":"back"}]""",
            "application/json-patch+json");
        Assert.Equal(422, stale);

        var (patched, body, _) = await fx.SendAsync(HttpMethod.Patch, list + "/web/status",
            """{"status":{"phase":"Running","podIP":"10.42.0.9","conditions":[{"type":"Ready","status":"True"}]}}""",
            "application/strategic-merge-patch+json");
        Assert.Equal(200, patched);
        var pod = Parse(body);
        Assert.Equal("Running", (string?)pod["status"]!["phase"]);
        Assert.Equal("10.42.0.9", (string?)pod["status"]!["podIP"]);
        Assert.Equal("100m", (string?)pod["spec"]!["containers"]![0]!["resources"]!["requests"]!["cpu"]);
        Assert.Equal("front", (string?)pod["metadata"]!["labels"]!["tier"]);
        Assert.NotEqual(version, (string?)pod["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public async Task An_events_k8s_io_event_stored_as_a_core_event_is_patched_in_its_served_shape()
    {
        var ns = await fx.NewNamespaceAsync();
        var list = $"/apis/events.k8s.io/v1/namespaces/{ns}/events";
        var (status, _, _) = await fx.SendAsync(HttpMethod.Post, list,
            """{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e1"},"eventTime":"2026-12-07T00:00:00.000000Z","reportingController":"bench/x","reportingInstance":"x-1","action":"Scheduling","reason":"Scheduled","type":"Normal","note":"first","regarding":{"kind":"Pod","namespace":"default","name":"web"}}""");
        Assert.Equal(201, status);

        var (patched, body, _) = await fx.SendAsync(HttpMethod.Patch, list + "/e1", """{"note":"second"}""", "application/merge-patch+json");
        Assert.Equal(200, patched);
        Assert.Equal("second", (string?)Parse(body)["note"]);
        Assert.Equal("Scheduled", (string?)Parse(body)["reason"]);
    }
}
