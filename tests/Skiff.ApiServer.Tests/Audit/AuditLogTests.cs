using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Apimachinery;
using Skiff.ApiServer.Audit;
using Skiff.Storage.Memory;

namespace Skiff.ApiServer.Tests.Audit;

/// <summary>
/// The audit log on a real server: a policy file, a few requests by the admin and by an anonymous client, and the
/// audit.k8s.io/v1 Event lines checked (levels, stages, user, objectRef, response status, bodies, decision annotations);
/// a rotated log keeps the number of backups asked for.
/// </summary>
public sealed class AuditLogTests : IAsyncLifetime
{
    private const string Policy = """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        rules:
        - level: None
          nonResourceURLs: ["/version", "/healthz*"]
        - level: Metadata
          userGroups: ["system:unauthenticated"]
        - level: RequestResponse
          resources: [{group: "", resources: ["configmaps"]}]
          omitStages: [RequestReceived]
        - level: Metadata
          resources: [{group: "", resources: ["secrets", "pods"]}]
        """;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "skiff-audit-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly MemoryStore _store = new();
    private ApiServerHandle _server = null!;

    private string LogPath => Path.Combine(_dir, "log", "audit.log");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var policy = Path.Combine(_dir, "policy.yaml");
        await File.WriteAllTextAsync(policy, Policy);
        _server = await ApiServer.StartAsync(
            new ApiServerOptions
            {
                DataDirectory = _dir,
                Resources = ResourceCatalog.CreateBuiltIn().All,
                Port = 0,
                Audit = new AuditOptions { PolicyFile = policy, LogPath = LogPath },
            },
            _store, NullLoggerFactory.Instance, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<List<JsonObject>> EventsAsync(Func<List<JsonObject>, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var events = File.Exists(LogPath)
                ? (await File.ReadAllLinesAsync(LogPath)).Where(l => l.Length > 0).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList()
                : [];
            if (until(events) || DateTime.UtcNow > deadline)
            {
                return events;
            }

            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Requests_are_logged_as_the_policy_says()
    {
        using var admin = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.KubeconfigPath));
        await admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings" }, Data = new Dictionary<string, string> { ["k"] = "v" } }, "default");
        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => admin.CoreV1.ReadNamespacedSecretAsync("missing", "default"));
        await admin.Version.GetCodeAsync();
        using var anonymous = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { BaseAddress = _server.Address };
        anonymous.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("audit-test", "1.0"));
        using var refused = await anonymous.GetAsync("/api/v1/namespaces/default/pods?limit=5");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var auditId = refused.Headers.GetValues("Audit-Id").Single();

        var events = await EventsAsync(e => e.Count(x => (string?)x["stage"] == "ResponseComplete") >= 3);
        Assert.All(events, e =>
        {
            Assert.Equal("Event", (string?)e["kind"]);
            Assert.Equal("audit.k8s.io/v1", (string?)e["apiVersion"]);
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", (string?)e["stageTimestamp"]);
        });
        Assert.DoesNotContain(events, e => ((string?)e["requestURI"])!.StartsWith("/version", StringComparison.Ordinal));

        // The configmap create: RequestResponse, no RequestReceived stage, both bodies.
        var created = Assert.Single(events, e => (string?)e["verb"] == "create");
        Assert.Equal("RequestResponse", (string?)created["level"]);
        Assert.Equal("ResponseComplete", (string?)created["stage"]);
        Assert.Equal("/api/v1/namespaces/default/configmaps", (string?)created["requestURI"]);
        Assert.Equal("admin", (string?)created["user"]!["username"]);
        Assert.Equal(["system:masters", "system:authenticated"], created["user"]!["groups"]!.AsArray().Select(g => (string?)g));
        Assert.Equal("configmaps", (string?)created["objectRef"]!["resource"]);
        Assert.Equal("default", (string?)created["objectRef"]!["namespace"]);
        Assert.Equal("v1", (string?)created["objectRef"]!["apiVersion"]);
        Assert.Equal(201, (int?)created["responseStatus"]!["code"]);
        Assert.Equal("v", (string?)created["requestObject"]!["data"]!["k"]);
        Assert.Equal("settings", (string?)created["responseObject"]!["metadata"]!["name"]);
        Assert.False(string.IsNullOrEmpty((string?)created["responseObject"]!["metadata"]!["uid"]));
        Assert.Equal("allow", (string?)created["annotations"]!["authorization.k8s.io/decision"]);
        Assert.Equal("127.0.0.1", (string?)created["sourceIPs"]![0]);

        // The missing secret: Metadata, both stages, no bodies, the failure's status.
        var secret = events.Where(e => (string?)e["requestURI"] == "/api/v1/namespaces/default/secrets/missing").ToList();
        Assert.Equal(["RequestReceived", "ResponseComplete"], secret.Select(e => (string?)e["stage"]));
        Assert.Equal(secret[0]["auditID"]!.ToString(), secret[1]["auditID"]!.ToString());
        var complete = secret[1];
        Assert.Equal("Metadata", (string?)complete["level"]);
        Assert.Equal("get", (string?)complete["verb"]);
        Assert.Equal("missing", (string?)complete["objectRef"]!["name"]);
        Assert.Equal(404, (int?)complete["responseStatus"]!["code"]);
        Assert.Equal("NotFound", (string?)complete["responseStatus"]!["reason"]);
        Assert.Equal("secrets \"missing\" not found", (string?)complete["responseStatus"]!["message"]);
        Assert.Null(complete["requestObject"]);
        Assert.Null(complete["responseObject"]);
        Assert.Null(secret[0]["responseStatus"]);

        // The anonymous list: forbidden, with the authorizer's decision.
        var anon = Assert.Single(events, e => (string?)e["auditID"] == auditId && (string?)e["stage"] == "ResponseComplete");
        Assert.Equal("/api/v1/namespaces/default/pods?limit=5", (string?)anon["requestURI"]);
        Assert.Equal("list", (string?)anon["verb"]);
        Assert.Equal("system:anonymous", (string?)anon["user"]!["username"]);
        Assert.Equal(["system:unauthenticated"], anon["user"]!["groups"]!.AsArray().Select(g => (string?)g));
        Assert.Equal("audit-test/1.0", (string?)anon["userAgent"]);
        Assert.Equal(403, (int?)anon["responseStatus"]!["code"]);
        Assert.Equal("forbid", (string?)anon["annotations"]!["authorization.k8s.io/decision"]);
    }

    [Fact]
    public async Task A_request_whose_credentials_are_refused_is_logged_once_with_no_user_and_the_methods_tried()
    {
        using var client = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { BaseAddress = _server.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        using var refused = await client.GetAsync("/api/v1/namespaces/default/pods");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var auditId = refused.Headers.GetValues("Audit-Id").Single();

        var events = await EventsAsync(e => e.Any(x => (string?)x["auditID"] == auditId));
        var failed = Assert.Single(events, e => (string?)e["auditID"] == auditId);
        Assert.Equal("ResponseStarted", (string?)failed["stage"]);
        Assert.Equal("Metadata", (string?)failed["level"]);
        Assert.Equal("list", (string?)failed["verb"]);
        Assert.Equal("pods", (string?)failed["objectRef"]!["resource"]);
        Assert.Empty(failed["user"]!.AsObject());
        Assert.Equal(401, (int?)failed["responseStatus"]!["code"]);
        Assert.Equal("Authentication failed, attempted: bearer", (string?)failed["responseStatus"]!["message"]);
    }

    [Fact]
    public async Task A_watch_is_logged_when_its_response_starts_and_when_it_ends()
    {
        using var admin = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.KubeconfigPath));
        using var http = admin.HttpClient;
        using var response = await http.GetAsync(new Uri(_server.Address, "/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=1"), HttpCompletionOption.ResponseHeadersRead);
        await (await response.Content.ReadAsStreamAsync()).CopyToAsync(Stream.Null);
        var events = await EventsAsync(e => e.Any(x => (string?)x["stage"] == "ResponseComplete"));
        Assert.Equal(["RequestReceived", "ResponseStarted", "ResponseComplete"],
            events.Where(e => (string?)e["verb"] == "watch").Select(e => (string?)e["stage"]));
        Assert.Equal(200, (int?)events.First(e => (string?)e["stage"] == "ResponseStarted")["responseStatus"]!["code"]);
    }
}
