using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.ApiServer;
using Skiff.ApiServer.Security;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Certificates;
using Skiff.Controllers.Certificates;

namespace Skiff.Controllers.Tests;

/// <summary>
/// A node renews its client certificate before it expires, end to end on a real in-process API server with the
/// controller manager's csrapproving and csrsigning: the request is made as the node, auto-approved as a
/// <c>selfnodeclient</c> renewal, issued, written to the node's kubeconfig, and the node's open connections are
/// closed so that everything continues with the new certificate — still working after the old one has expired.
/// </summary>
public sealed class ClientCertificateRotationTests : IAsyncLifetime
{
    private const string Node = "rotating-node";
    private RealControlPlane? _plane;

    private RealControlPlane Plane => _plane!;

    public async Task InitializeAsync() =>
        _plane = await RealControlPlane.StartAsync("skiff-rotation", async plane =>
        {
            var pki = Path.Combine(plane.DataDirectory, "pki");
            var signing = (await File.ReadAllTextAsync(Path.Combine(pki, "ca.crt")), await File.ReadAllTextAsync(Path.Combine(pki, "ca.key")));
            return new ControllerManagerOptions { LeaderElect = false, ClusterSigning = signing };
        });

    public async Task DisposeAsync() => await _plane!.DisposeAsync();

    /// <summary>A node certificate from the cluster CA that expires in <paramref name="left"/> (valid from five
    /// minutes ago, as the signer backdates), so its rotation deadline has already passed.</summary>
    private (string Certificate, string Key) ShortLivedNodeCertificate(TimeSpan left)
    {
        var pki = Path.Combine(Plane.DataDirectory, "pki");
        using var authority = new SigningAuthority(File.ReadAllText(Path.Combine(pki, "ca.crt")), File.ReadAllText(Path.Combine(pki, "ca.key")));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=system:node:" + Node + ", O=system:nodes", key, HashAlgorithmName.SHA256);
        var certificate = authority.Issue(request, ["digital signature", "client auth"], left, DateTimeOffset.UtcNow);
        return (certificate, key.ExportPkcs8PrivateKeyPem());
    }

    private static async Task<string> WhoAmIAsync(Kubernetes client)
    {
        var review = await client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());
        return review.Status.UserInfo.Username;
    }

    [Fact]
    public async Task A_node_renews_its_certificate_through_an_auto_approved_request_and_keeps_working_after_the_old_one_expires()
    {
        var (certificatePem, keyPem) = ShortLivedNodeCertificate(TimeSpan.FromSeconds(25));
        using var initial = X509Certificate2.CreateFromPem(certificatePem);
        var kubeconfigPath = Path.Combine(Plane.DataDirectory, "node-kubeconfig.yaml");
        var server = Plane.Server.Address.ToString().TrimEnd('/');
        var caPem = await File.ReadAllTextAsync(Path.Combine(Plane.DataDirectory, "pki", "ca.crt"));
        await KubeconfigWriter.WriteAsync(kubeconfigPath, KubeconfigWriter.Render(server, caPem, certificatePem, keyPem), CancellationToken.None);

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        var rotating = RotatingClientCertificate.TakeFrom(config)!;
        Assert.NotNull(rotating);
        Assert.Null(config.ClientCertificateData);
        using var node = ApiClients.FromConfiguration(config, rotating);
        Assert.Equal("system:node:" + Node, await WhoAmIAsync(node.Kubernetes));
        Assert.True(rotating.OpenConnections > 0);

        // A watch open on the old certificate's connection: the switch must end it.
        using var stopWatch = CancellationTokenSource.CreateLinkedTokenSource(Plane.Stopping);
        var watch = Task.Run(async () =>
        {
            await foreach (var _ in node.WatchAsync<V1CertificateSigningRequest>(new WatchOptions(), stopWatch.Token))
            {
            }
        });

        var manager = new CertificateManager(
            node,
            rotating,
            CertificateTemplate.KubeletClient(Node),
            (pem, key, ct) => KubeconfigWriter.WriteAsync(kubeconfigPath, KubeconfigWriter.Render(server, caPem, pem, key), ct),
            TimeProvider.System,
            NullLogger.Instance);
        var rotation = manager.RunAsync(Plane.Stopping);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (rotating.Current.Thumbprint == initial.Thumbprint && DateTime.UtcNow < deadline && !rotation.IsCompleted)
        {
            await Task.Delay(100);
        }

        Assert.False(rotation.IsCompleted, rotation.Exception?.ToString());
        Assert.NotEqual(initial.Thumbprint, rotating.Current.Thumbprint);
        Assert.Equal("system:node:" + Node, rotating.Current.GetNameInfo(X509NameType.SimpleName, false));
        Assert.True(rotating.Current.NotAfter.ToUniversalTime() > DateTime.UtcNow.AddDays(300), "the signer's year-long certificate");

        // The request was the node's own, auto-approved as a renewal and issued by csrsigning.
        var requests = (await Plane.Api.ListAsync<V1CertificateSigningRequest>(new ListOptions(), CancellationToken.None)).Items;
        var renewal = Assert.Single(requests);
        Assert.Equal("system:node:" + Node, renewal.Spec.Username);
        Assert.Equal(CertificateTemplate.KubeletClientSigner, renewal.Spec.SignerName);
        var approved = Assert.Single(renewal.Status.Conditions, c => c.Type == "Approved");
        Assert.Equal("AutoApproved", approved.Reason);
        Assert.NotEmpty(renewal.Status.Certificate);

        // The kubeconfig a restart reads holds the new certificate.
        var written = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        using var onDisk = X509Certificate2.CreateFromPem(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(written.ClientCertificateData)));
        Assert.Equal(rotating.Current.Thumbprint, onDisk.Thumbprint);

        // The old connection was closed under the watch.
        var watchEnded = await Task.WhenAny(watch, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(watch, watchEnded);

        // Once the old certificate has expired the server refuses it, and the node still gets through with the new one.
        var expired = initial.NotAfter.ToUniversalTime().AddSeconds(1) - DateTime.UtcNow;
        if (expired > TimeSpan.Zero)
        {
            await Task.Delay(expired);
        }

        using var old = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        using var oldHandler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        oldHandler.ClientCertificates.Add(old);
        using var oldClient = new HttpClient(oldHandler);
        using var refused = await oldClient.PostAsync(
            new Uri(Plane.Server.Address, "/apis/authentication.k8s.io/v1/selfsubjectreviews"),
            new StringContent("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("system:node:" + Node, await WhoAmIAsync(node.Kubernetes));
    }
}
