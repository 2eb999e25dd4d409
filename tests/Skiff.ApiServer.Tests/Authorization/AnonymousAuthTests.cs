using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Apimachinery;
using Skiff.Storage.Memory;

namespace Skiff.ApiServer.Tests.Authorization;

/// <summary>
/// Anonymous requests as upstream's <c>--anonymous-auth</c>: without credentials a client is system:anonymous in
/// system:unauthenticated, allowed what system:public-info-viewer grants and refused the rest with upstream's 403;
/// bad credentials are still 401; turned off, requests without credentials get 401 (health and version stay open).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class AnonymousAuthTests(ServerFixture fx)
{
    private static HttpClient NoCredentials(Uri address) =>
        new(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }, disposeHandler: true) { BaseAddress = address };

    [Fact]
    public async Task A_client_without_credentials_reads_version_and_health_and_is_forbidden_the_rest()
    {
        using var anonymous = NoCredentials(fx.Server.Address);
        var version = JsonNode.Parse(await anonymous.GetStringAsync("/version"))!;
        Assert.Equal("32", (string?)version["minor"]);
        foreach (var path in (string[])["/healthz", "/livez", "/readyz"])
        {
            Assert.Equal("ok", await anonymous.GetStringAsync(path));
        }

        using var pods = await anonymous.GetAsync("/api/v1/pods");
        Assert.Equal(HttpStatusCode.Forbidden, pods.StatusCode);
        var status = JsonNode.Parse(await pods.Content.ReadAsStringAsync())!;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal("Forbidden", (string?)status["reason"]);
        Assert.Equal(403, (int?)status["code"]);
        Assert.Equal("pods is forbidden: User \"system:anonymous\" cannot list resource \"pods\" in API group \"\" at the cluster scope", (string?)status["message"]);
        Assert.Equal("pods", (string?)status["details"]?["kind"]);

        using var api = await anonymous.GetAsync("/api");
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        Assert.Equal("forbidden: User \"system:anonymous\" cannot get path \"/api\"", (string?)JsonNode.Parse(await api.Content.ReadAsStringAsync())!["message"]);
    }

    [Fact]
    public async Task The_anonymous_user_is_not_authenticated_and_bad_credentials_are_401()
    {
        // A rule for system:authenticated must not reach the anonymous user: it may not even ask who it is.
        using var anonymous = NoCredentials(fx.Server.Address);
        using var review = await anonymous.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews",
            new StringContent("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, review.StatusCode);

        using var badToken = NoCredentials(fx.Server.Address);
        badToken.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        using var refused = await badToken.GetAsync("/version");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("Unauthorized", (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["reason"]);
    }

    [Fact]
    public async Task With_anonymous_auth_off_requests_without_credentials_get_401_but_health_and_version()
    {
        var dir = Path.Combine(Path.GetTempPath(), "skiff-anon-off-" + Guid.NewGuid().ToString("N")[..8]);
        await using var store = new MemoryStore();
        await using var server = await ApiServer.StartAsync(
            new ApiServerOptions { DataDirectory = dir, Resources = ResourceCatalog.CreateBuiltIn().All, Port = 0, AnonymousAuth = false },
            store, NullLoggerFactory.Instance, CancellationToken.None);
        try
        {
            using var anonymous = NoCredentials(server.Address);
            using var pods = await anonymous.GetAsync("/api/v1/pods");
            Assert.Equal(HttpStatusCode.Unauthorized, pods.StatusCode);
            Assert.Equal(401, (int?)JsonNode.Parse(await pods.Content.ReadAsStringAsync())!["code"]);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/version")).StatusCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
