using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.Api.Bootstrap;

namespace Skiff.ApiServer.Tests.Authorization;

/// <summary>Bootstrap tokens on a real server: a token Secret in kube-system authenticates
/// <c>system:bootstrap:&lt;id&gt;</c> in system:bootstrappers (and its extra groups), which may create
/// CertificateSigningRequests and little else; an expired, mistyped, wrong or unusable token authenticates nobody.</summary>
[Collection(ServerCollection.Name)]
public sealed class BootstrapTokenTests(ServerFixture fx)
{
    [Fact]
    public async Task A_bootstrap_token_authenticates_its_user_who_may_ask_for_certificates_only()
    {
        var (id, secret) = BootstrapTokenSecrets.Generate();
        await fx.Client.CreateNamespacedSecretAsync(
            BootstrapTokenSecrets.Create(id, secret, TimeSpan.FromHours(1), DateTimeOffset.UtcNow, "test", ["system:bootstrappers:workers"]), "kube-system");
        using var http = Bearer($"{id}.{secret}");

        var review = await EventuallyAsync(() => http.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews",
            Json("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""")));
        Assert.Equal(201, (int)review.StatusCode);
        var user = JsonNode.Parse(await review.Content.ReadAsStringAsync())!["status"]!["userInfo"]!;
        Assert.Equal($"system:bootstrap:{id}", (string?)user["username"]);
        Assert.Equal(["system:bootstrappers", "system:bootstrappers:workers", "system:authenticated"], user["groups"]!.AsArray().Select(g => (string)g!));

        var csr = await http.PostAsync("/apis/certificates.k8s.io/v1/certificatesigningrequests", Json(CsrBody()));
        Assert.Equal(201, (int)csr.StatusCode);
        Assert.Equal($"system:bootstrap:{id}", (string?)JsonNode.Parse(await csr.Content.ReadAsStringAsync())!["spec"]!["username"]);
        Assert.Equal(403, (int)(await http.GetAsync("/api/v1/namespaces/kube-system/secrets")).StatusCode);
        Assert.Equal(403, (int)(await http.GetAsync("/api/v1/nodes")).StatusCode);
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("wrong-secret")]
    [InlineData("no-authentication-usage")]
    [InlineData("wrong-type")]
    [InlineData("bad-extra-group")]
    public async Task A_token_that_is_not_valid_authenticates_nobody(string flaw)
    {
        var (id, secret) = BootstrapTokenSecrets.Generate();
        var token = BootstrapTokenSecrets.Create(id, secret, TimeSpan.FromHours(1), flaw == "expired" ? DateTimeOffset.UtcNow.AddHours(-2) : DateTimeOffset.UtcNow,
            null, flaw == "bad-extra-group" ? ["system:masters"] : []);
        if (flaw == "no-authentication-usage")
        {
            token.Data["usage-bootstrap-authentication"] = Encoding.UTF8.GetBytes("false");
        }

        if (flaw == "wrong-type")
        {
            token.Type = "Opaque";
        }

        await fx.Client.CreateNamespacedSecretAsync(token, "kube-system");
        // A valid control token created after it: once that one works, the flawed one has reached the cache too.
        var (controlId, controlSecret) = BootstrapTokenSecrets.Generate();
        await fx.Client.CreateNamespacedSecretAsync(BootstrapTokenSecrets.Create(controlId, controlSecret, TimeSpan.FromHours(1), DateTimeOffset.UtcNow, null, []), "kube-system");
        using var control = Bearer($"{controlId}.{controlSecret}");
        Assert.Equal(200, (int)(await EventuallyAsync(() => control.GetAsync("/apis/certificates.k8s.io/v1/certificatesigningrequests"))).StatusCode);

        using var http = Bearer(flaw == "wrong-secret" ? $"{id}.{new string('x', 16)}" : $"{id}.{secret}");
        var refused = await http.GetAsync("/apis/certificates.k8s.io/v1/certificatesigningrequests");
        Assert.Equal(401, (int)refused.StatusCode);
        Assert.Equal("Unauthorized", (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["reason"]);
    }

    internal static string CsrBody()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var subject = new System.Security.Cryptography.X509Certificates.X500DistinguishedNameBuilder();
        subject.AddOrganizationName("system:nodes");
        subject.AddCommonName("system:node:joiner");
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(subject.Build(), key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        return KubernetesJson.Serialize(new V1CertificateSigningRequest
        {
            ApiVersion = "certificates.k8s.io/v1",
            Kind = "CertificateSigningRequest",
            Metadata = new V1ObjectMeta { GenerateName = "node-csr-" },
            Spec = new V1CertificateSigningRequestSpec
            {
                Request = Encoding.ASCII.GetBytes(request.CreateSigningRequestPem()),
                SignerName = "kubernetes.io/kube-apiserver-client-kubelet",
                Usages = ["digital signature", "client auth"],
            },
        });
    }

    private HttpClient Bearer(string token)
    {
        var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }, disposeHandler: true)
        {
            BaseAddress = fx.Server.Address,
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>The authenticator reads the API server's watch cache, which sees a new Secret a moment after its write.</summary>
    private static async Task<HttpResponseMessage> EventuallyAsync(Func<Task<HttpResponseMessage>> send)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var response = await send();
        while ((int)response.StatusCode == 401 && DateTime.UtcNow < deadline)
        {
            response.Dispose();
            await Task.Delay(50);
            response = await send();
        }

        return response;
    }
}
