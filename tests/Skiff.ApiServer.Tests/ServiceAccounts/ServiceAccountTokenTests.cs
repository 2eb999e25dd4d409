using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using Skiff.Apimachinery;
using Skiff.Storage.Memory;

namespace Skiff.ApiServer.Tests.ServiceAccounts;

/// <summary>TokenRequest and bound service account tokens on a real server with a fake clock: upstream's claims,
/// authentication as the service account (RBAC applies), audience, expiry, binding to a pod, the OIDC documents.</summary>
public sealed class ServiceAccountTokenTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly MemoryStore _store = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "skiff-sa-" + Guid.NewGuid().ToString("N")[..8]);
    private ApiServerHandle _server = null!;
    private Kubernetes _admin = null!;

    public async Task InitializeAsync()
    {
        _server = await ApiServer.StartAsync(
            new ApiServerOptions
            {
                DataDirectory = _directory,
                Resources = ResourceCatalog.CreateBuiltIn().All,
                Port = 0,
                Time = _time,
            },
            _store, NullLoggerFactory.Instance, CancellationToken.None);
        _admin = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.KubeconfigPath));
        await _admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "robot" } }, "default");
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _server.DisposeAsync();
        await _store.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<(int Code, JsonNode? Body)> RequestTokenAsync(string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await _admin.HttpClient.PostAsync(new Uri(_server.Address, "/api/v1/namespaces/default/serviceaccounts/robot/token"), content);
        var body = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonNode.Parse(body));
    }

    private async Task<(int Code, string Body)> GetAsync(string token, string path)
    {
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.GetAsync(new Uri(_server.Address, path));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static JsonNode Payload(string token) => JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[1]))!;

    [Fact]
    public async Task A_requested_token_carries_upstreams_claims_and_authenticates_as_the_service_account()
    {
        var (code, body) = await RequestTokenAsync("{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\",\"spec\":{\"expirationSeconds\":3600}}");
        Assert.Equal(201, code);
        Assert.Equal("TokenRequest", (string?)body!["kind"]);
        var token = (string)body["status"]!["token"]!;
        var claims = Payload(token);
        var sa = await _admin.CoreV1.ReadNamespacedServiceAccountAsync("robot", "default");
        Assert.Equal("system:serviceaccount:default:robot", (string?)claims["sub"]);
        Assert.Equal("https://kubernetes.default.svc.cluster.local", (string?)claims["iss"]);
        Assert.Equal("https://kubernetes.default.svc.cluster.local", (string?)claims["aud"]![0]);
        Assert.Equal(3600, (long)claims["exp"]! - (long)claims["iat"]!);
        Assert.Equal("default", (string?)claims["kubernetes.io"]!["namespace"]);
        Assert.Equal(sa.Metadata.Uid, (string?)claims["kubernetes.io"]!["serviceaccount"]!["uid"]);
        Assert.Equal("ES256", (string?)JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[0]))!["alg"]);

        // Authenticated as the service account: RBAC decides, with the service account's name in the 403.
        var refused = await GetAsync(token, "/api/v1/namespaces/default/pods");
        Assert.Equal(403, refused.Code);
        Assert.Contains("User \\\"system:serviceaccount:default:robot\\\" cannot list resource \\\"pods\\\"", refused.Body, StringComparison.Ordinal);
        await _admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "robot-views" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "view" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "robot", NamespaceProperty = "default" }],
        }, "default");
        Assert.Equal(200, (await GetAsync(token, "/api/v1/namespaces/default/pods")).Code);

        // The discovery documents, readable by every service account; the token's key is the one listed.
        var jwks = await GetAsync(token, "/openid/v1/jwks");
        Assert.Equal(200, jwks.Code);
        var kid = (string?)JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[0]))!["kid"];
        Assert.Equal(kid, (string?)JsonNode.Parse(jwks.Body)!["keys"]![0]!["kid"]);
        var config = JsonNode.Parse((await GetAsync(token, "/.well-known/openid-configuration")).Body)!;
        Assert.Equal("https://kubernetes.default.svc.cluster.local", (string?)config["issuer"]);
        Assert.EndsWith("/openid/v1/jwks", (string?)config["jwks_uri"], StringComparison.Ordinal);

        // Expiry on the server's clock.
        _time.Advance(TimeSpan.FromSeconds(3601));
        Assert.Equal(401, (await GetAsync(token, "/api/v1/namespaces/default/pods")).Code);
    }

    [Fact]
    public async Task A_token_bound_to_a_pod_stops_working_when_the_pod_goes_and_other_audiences_are_refused()
    {
        var pod = await _admin.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
        }, "default");
        var (code, body) = await RequestTokenAsync("{\"spec\":{\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"name\":\"web\",\"uid\":\"" + pod.Metadata.Uid + "\"}}}");
        Assert.Equal(201, code);
        var token = (string)body!["status"]!["token"]!;
        Assert.Equal(pod.Metadata.Uid, (string?)Payload(token)["kubernetes.io"]!["pod"]!["uid"]);
        Assert.Equal(3600, (long?)body["spec"]!["expirationSeconds"]);
        Assert.Equal(403, (await GetAsync(token, "/api/v1/namespaces/default/secrets")).Code);
        await _admin.CoreV1.DeleteNamespacedPodAsync("web", "default");

        // The authenticator reads the pod from the watch cache (upstream's from its informer), which learns of the
        // deletion a moment after the write is acknowledged.
        var afterDeletion = 0;
        for (var deadline = DateTime.UtcNow.AddSeconds(10); afterDeletion != 401 && DateTime.UtcNow < deadline; await Task.Delay(20))
        {
            afterDeletion = (await GetAsync(token, "/api/v1/namespaces/default/secrets")).Code;
        }

        Assert.Equal(401, afterDeletion);

        var other = (string)(await RequestTokenAsync("{\"spec\":{\"audiences\":[\"vault\"]}}")).Body!["status"]!["token"]!;
        Assert.Equal(401, (await GetAsync(other, "/api/v1/namespaces/default/secrets")).Code);

        var (shortCode, shortBody) = await RequestTokenAsync("{\"spec\":{\"expirationSeconds\":599}}");
        Assert.Equal(422, shortCode);
        Assert.Equal("TokenRequest.authentication.k8s.io \"robot\" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes",
            (string?)shortBody!["message"]);
        var (missingCode, _) = await RequestTokenAsync("{\"spec\":{\"boundObjectRef\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"name\":\"gone\"}}}");
        Assert.Equal(404, missingCode);
    }
}
