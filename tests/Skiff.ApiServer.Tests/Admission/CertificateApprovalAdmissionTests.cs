using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Tests.Admission;

/// <summary>CertificateApproval and CertificateSigning on a real server: RBAC's update on the subresource is not
/// enough; the user also needs <c>approve</c> (or <c>sign</c>) on the request's signer, by name or by domain/*.</summary>
[Collection(ServerCollection.Name)]
public sealed class CertificateApprovalAdmissionTests(ServerFixture fx)
{
    [Fact]
    public async Task Approving_needs_the_approve_verb_on_the_signer_or_its_domain()
    {
        var user = "approver-" + Guid.NewGuid().ToString("N")[..8];
        using var http = UserClient(user);
        await GrantAsync(user, "csr-approver",
            new V1PolicyRule { Verbs = ["get", "list"], ApiGroups = ["certificates.k8s.io"], Resources = ["certificatesigningrequests"] },
            new V1PolicyRule { Verbs = ["update"], ApiGroups = ["certificates.k8s.io"], Resources = ["certificatesigningrequests/approval"] });
        var name = await CreateCsrAsync();

        var refused = await EventuallyNot403Rbac(() => http.PutAsync($"/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}/approval", Json(Approved(name))));
        Assert.Equal(403, (int)refused.StatusCode);
        Assert.Equal($"certificatesigningrequests.certificates.k8s.io \"{name}\" is forbidden: user not permitted to approve requests with signerName \"kubernetes.io/kube-apiserver-client-kubelet\"",
            (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["message"]);
        Assert.Null((await fx.Client.CertificatesV1.ReadCertificateSigningRequestAsync(name)).Status?.Conditions);

        // approve on kubernetes.io/* covers every kubernetes.io signer, as upstream's wildcard check.
        await GrantAsync(user, "csr-approver-signers",
            new V1PolicyRule { Verbs = ["approve"], ApiGroups = ["certificates.k8s.io"], Resources = ["signers"], ResourceNames = ["kubernetes.io/*"] });
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpResponseMessage allowed;
        while ((int)(allowed = await http.PutAsync($"/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}/approval", Json(Approved(name)))).StatusCode == 403
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(200, (int)allowed.StatusCode);
        Assert.Equal("Approved", (await fx.Client.CertificatesV1.ReadCertificateSigningRequestAsync(name)).Status!.Conditions!.Single().Type);
    }

    [Fact]
    public async Task Setting_a_certificate_needs_the_sign_verb_but_a_failed_condition_does_not()
    {
        var user = "signer-" + Guid.NewGuid().ToString("N")[..8];
        using var http = UserClient(user);
        await GrantAsync(user, "csr-status-writer",
            new V1PolicyRule { Verbs = ["get", "list"], ApiGroups = ["certificates.k8s.io"], Resources = ["certificatesigningrequests"] },
            new V1PolicyRule { Verbs = ["update"], ApiGroups = ["certificates.k8s.io"], Resources = ["certificatesigningrequests/status"] });
        var name = await CreateCsrAsync();
        var csr = await fx.Client.CertificatesV1.ReadCertificateSigningRequestAsync(name);
        csr.Status = new V1CertificateSigningRequestStatus { Certificate = Encoding.ASCII.GetBytes(fx.Server.Certificates.Ca.ExportCertificatePem()) };

        var refused = await EventuallyNot403Rbac(() => http.PutAsync($"/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}/status", Json(KubernetesJson.Serialize(csr))));
        Assert.Equal(403, (int)refused.StatusCode);
        Assert.EndsWith("user not permitted to sign requests with signerName \"kubernetes.io/kube-apiserver-client-kubelet\"",
            (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["message"], StringComparison.Ordinal);

        csr.Status = new V1CertificateSigningRequestStatus
        {
            Conditions = [new V1CertificateSigningRequestCondition { Type = "Failed", Status = "True", Reason = "Test", Message = "no" }],
        };
        var failed = await http.PutAsync($"/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}/status", Json(KubernetesJson.Serialize(csr)));
        Assert.Equal(200, (int)failed.StatusCode);
    }

    private async Task<string> CreateCsrAsync()
    {
        var (status, body, _) = await fx.SendAsync(HttpMethod.Post, "/apis/certificates.k8s.io/v1/certificatesigningrequests", Authorization.BootstrapTokenTests.CsrBody());
        Assert.Equal(201, status);
        return (string)JsonNode.Parse(body)!["metadata"]!["name"]!;
    }

    private static string Approved(string name) => $$$"""
        {"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"{{{name}}}"},
         "status":{"conditions":[{"type":"Approved","status":"True","reason":"Test","message":"ok"}]}}
        """;

    private async Task GrantAsync(string user, string role, params V1PolicyRule[] rules)
    {
        var name = $"{role}-{user}";
        await fx.Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole { Metadata = new V1ObjectMeta { Name = name }, Rules = rules });
        await fx.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = name },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = name },
            Subjects = [new Rbacv1Subject { Kind = "User", ApiGroup = "rbac.authorization.k8s.io", Name = user }],
        });
    }

    /// <summary>Waits out RBAC's watch cache: a 403 from RBAC itself (the binding not yet seen) is retried, the
    /// admission plugin's 403 is returned.</summary>
    private static async Task<HttpResponseMessage> EventuallyNot403Rbac(Func<Task<HttpResponseMessage>> send)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var response = await send();
            var body = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode != 403 || !body.Contains("cannot update resource", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(50);
        }
    }

    private HttpClient UserClient(string user)
    {
        var token = Guid.NewGuid().ToString("N");
        fx.Server.Tokens.Add(token, new UserInfo(user, []));
        var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }, disposeHandler: true)
        {
            BaseAddress = fx.Server.Address,
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
