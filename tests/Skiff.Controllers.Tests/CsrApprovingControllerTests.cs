using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Skiff.Controllers.Certificates;

namespace Skiff.Controllers.Tests;

/// <summary>The csrapproving controller against a fake API and a scripted SubjectAccessReview: what it recognizes as
/// a kubelet client request, which permission it asks about, and what an approval looks like.</summary>
public sealed class CsrApprovingControllerTests
{
    [Fact]
    public async Task A_bootstrap_users_node_client_request_is_approved_after_a_nodeclient_review()
    {
        var reviewer = new ScriptedReviewer("nodeclient");
        await using var h = await StartAsync(reviewer, Request("node-csr-1", "system:node:n1", "system:bootstrap:abcdef", ["system:bootstrappers"]));

        await h.Controller.SyncAsync("node-csr-1", h.Harness.Token);

        var review = Assert.Single(reviewer.Asked);
        Assert.Equal(("system:bootstrap:abcdef", "nodeclient", "create"), (review.User, review.Resource.Subresource, review.Resource.Verb));
        Assert.Equal(["system:bootstrappers"], review.Groups);
        Assert.Equal(("certificates.k8s.io", "certificatesigningrequests"), (review.Resource.Group, review.Resource.Resource));
        var approved = Assert.Single(h.Harness.Api.Peek<V1CertificateSigningRequest>(null, "node-csr-1")!.Status!.Conditions!);
        Assert.Equal(("Approved", "True", "AutoApproved"), (approved.Type, approved.Status, approved.Reason));
        Assert.Equal("Auto approving kubelet client certificate after SubjectAccessReview.", approved.Message);
        Assert.Contains(h.Harness.Api.Calls, c => c.Verb == "update" && c.Subresource == "approval");
    }

    [Fact]
    public async Task A_node_renewing_its_own_certificate_is_asked_about_selfnodeclient_first()
    {
        var reviewer = new ScriptedReviewer("selfnodeclient");
        await using var h = await StartAsync(reviewer, Request("renew", "system:node:n1", "system:node:n1", ["system:nodes", "system:authenticated"]));

        await h.Controller.SyncAsync("renew", h.Harness.Token);

        Assert.Equal(["selfnodeclient"], reviewer.Asked.Select(a => a.Resource.Subresource));
        var approved = Assert.Single(h.Harness.Api.Peek<V1CertificateSigningRequest>(null, "renew")!.Status!.Conditions!);
        Assert.Equal("Auto approving self kubelet client certificate after SubjectAccessReview.", approved.Message);
    }

    [Fact]
    public async Task A_request_whose_reviews_are_refused_stays_pending()
    {
        var reviewer = new ScriptedReviewer();
        await using var h = await StartAsync(reviewer, Request("other-node", "system:node:n2", "system:node:n1", ["system:nodes"]));

        await h.Controller.SyncAsync("other-node", h.Harness.Token);

        // n1 asking for n2's certificate is not "self": only nodeclient is asked, and refused.
        Assert.Equal(["nodeclient"], reviewer.Asked.Select(a => a.Resource.Subresource));
        Assert.Null(h.Harness.Api.Peek<V1CertificateSigningRequest>(null, "other-node")!.Status?.Conditions);
        Assert.DoesNotContain(h.Harness.Api.Calls, c => c.Subresource == "approval");
    }

    [Theory]
    [InlineData("alice", "system:nodes", "kubernetes.io/kube-apiserver-client-kubelet", "client auth", null)]
    [InlineData("system:node:n1", "team", "kubernetes.io/kube-apiserver-client-kubelet", "client auth", null)]
    [InlineData("system:node:n1", "system:nodes", "kubernetes.io/kube-apiserver-client", "client auth", null)]
    [InlineData("system:node:n1", "system:nodes", "kubernetes.io/kube-apiserver-client-kubelet", "server auth", null)]
    [InlineData("system:node:n1", "system:nodes", "kubernetes.io/kube-apiserver-client-kubelet", "client auth", "n1.example")]
    public async Task What_is_not_a_plain_kubelet_client_request_is_not_reviewed(string commonName, string organization, string signer, string usage, string? dnsName)
    {
        var reviewer = new ScriptedReviewer("nodeclient", "selfnodeclient");
        var csr = Request("x", commonName, "system:bootstrap:abcdef", ["system:bootstrappers"], organization, dnsName);
        csr.Spec.SignerName = signer;
        csr.Spec.Usages = ["digital signature", usage];
        await using var h = await StartAsync(reviewer, csr);

        await h.Controller.SyncAsync("x", h.Harness.Token);

        Assert.Empty(reviewer.Asked);
        Assert.Null(h.Harness.Api.Peek<V1CertificateSigningRequest>(null, "x")!.Status?.Conditions);
    }

    [Fact]
    public async Task A_denied_request_is_left_alone()
    {
        var reviewer = new ScriptedReviewer("nodeclient");
        var csr = Request("denied", "system:node:n1", "system:bootstrap:abcdef", ["system:bootstrappers"]);
        csr.Status = new V1CertificateSigningRequestStatus { Conditions = [new V1CertificateSigningRequestCondition { Type = "Denied", Status = "True", Reason = "NotToday" }] };
        await using var h = await StartAsync(reviewer, csr);

        await h.Controller.SyncAsync("denied", h.Harness.Token);

        Assert.Empty(reviewer.Asked);
        Assert.Equal(["Denied"], h.Harness.Api.Peek<V1CertificateSigningRequest>(null, "denied")!.Status!.Conditions!.Select(c => c.Type));
    }

    private static async Task<Running> StartAsync(ScriptedReviewer reviewer, V1CertificateSigningRequest csr)
    {
        var harness = new ControllerHarness();
        harness.Api.Seed(csr);
        var controller = new CsrApprovingController(harness.Context, reviewer);
        await harness.StartAsync();
        await harness.CaughtUpAsync<V1CertificateSigningRequest>();
        return new Running(harness, controller);
    }

    private static V1CertificateSigningRequest Request(
        string name, string commonName, string username, List<string> groups, string organization = "system:nodes", string? dnsName = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName(organization);
        subject.AddCommonName(commonName);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        if (dnsName is not null)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(dnsName);
            request.CertificateExtensions.Add(names.Build());
        }

        return new V1CertificateSigningRequest
        {
            ApiVersion = "certificates.k8s.io/v1",
            Kind = "CertificateSigningRequest",
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1CertificateSigningRequestSpec
            {
                Request = Encoding.ASCII.GetBytes(request.CreateSigningRequestPem()),
                SignerName = "kubernetes.io/kube-apiserver-client-kubelet",
                Usages = ["digital signature", "client auth"],
                Username = username,
                Groups = groups,
            },
        };
    }

    private sealed record Running(ControllerHarness Harness, CsrApprovingController Controller) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Controller.Dispose();
            await Harness.DisposeAsync();
        }
    }

    /// <summary>Allows exactly the subresources it was given; records every question.</summary>
    private sealed class ScriptedReviewer(params string[] allowed) : ISubjectAccessReviewer
    {
        public List<(string User, IReadOnlyList<string> Groups, V1ResourceAttributes Resource)> Asked { get; } = [];

        public Task<bool> AllowedAsync(string user, IReadOnlyList<string> groups, V1ResourceAttributes resource, CancellationToken cancellationToken)
        {
            Asked.Add((user, groups, resource));
            return Task.FromResult(allowed.Contains(resource.Subresource));
        }
    }
}
