using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Skiff.EndToEnd.Tests.Security;

/// <summary>
/// Onboarding a user with their own certificate, as on a real cluster: the user makes a key and a certificate
/// request, an admin submits it as a CertificateSigningRequest (kubernetes.io/kube-apiserver-client), approves it
/// with <c>kubectl certificate approve</c>, the controller manager's signer issues the certificate, and the user's
/// kubectl authenticates with it. A denied request gets no certificate; a request for system:masters is refused.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CertificateSigningRequestTests(SkiffCluster cluster)
{
    [SkippableFact]
    public async Task A_user_onboarded_through_an_approved_csr_authenticates_with_the_issued_certificate()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var user = "alice-" + Guid.NewGuid().ToString("N")[..6];
        var work = Directory.CreateTempSubdirectory("skiff-e2e-csr-").FullName;
        try
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var manifest = Path.Combine(work, "csr.yaml");
            await File.WriteAllTextAsync(manifest, Manifest(user, Request(key, $"CN={user}, O=developers"), "kubernetes.io/kube-apiserver-client"));

            var created = await KubectlOkAsync("create", "-f", manifest);
            Assert.Equal($"certificatesigningrequest.certificates.k8s.io/{user} created", created.Stdout.Trim());
            var admin = (await KubectlOkAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")).Stdout;
            var pending = await KubectlOkAsync("get", "csr", user);
            Assert.Matches($@"^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION\n{user}\s+\S+\s+kubernetes.io/kube-apiserver-client\s+{admin}\s+24h\s+Pending\n$", pending.Stdout);

            var approved = await KubectlOkAsync("certificate", "approve", user);
            Assert.Equal($"certificatesigningrequest.certificates.k8s.io/{user} approved", approved.Stdout.Trim());
            var certificate = await WaitForCertificateAsync(user);
            Assert.Contains("Approved,Issued", (await KubectlOkAsync("get", "csr", user)).Stdout, StringComparison.Ordinal);
            using (var issued = X509Certificate2.CreateFromPem(certificate))
            {
                Assert.Equal($"CN={user}, O=developers", issued.Subject);
                var lifetime = issued.NotAfter - issued.NotBefore;
                Assert.InRange(lifetime, TimeSpan.FromHours(24), TimeSpan.FromHours(24).Add(TimeSpan.FromMinutes(6)));
            }

            var certificateFile = Path.Combine(work, "user.crt");
            var keyFile = Path.Combine(work, "user.key");
            await File.WriteAllTextAsync(certificateFile, certificate);
            await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
            var whoami = await ProcessRunner.RunAsync(
                "kubectl",
                ["--kubeconfig", "/dev/null", "--cache-dir", cluster.KubectlCacheDirectory, "--server", cluster.ServerUrl,
                    "--certificate-authority", Path.Combine(cluster.DataDirectory, "pki", "ca.crt"), "--client-certificate", certificateFile, "--client-key", keyFile,
                    "auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"],
                null, TimeSpan.FromSeconds(60), CancellationToken.None);
            Assert.True(whoami.ExitCode == 0, whoami.ToString());
            Assert.Equal($"{user} [\"developers\",\"system:authenticated\"]", whoami.Stdout.Trim());
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "csr", user, "--ignore-not-found"]);
            Directory.Delete(work, recursive: true);
        }
    }

    [SkippableFact]
    public async Task A_denied_csr_gets_no_certificate_and_system_masters_cannot_be_requested()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var name = "bob-" + Guid.NewGuid().ToString("N")[..6];
        var work = Directory.CreateTempSubdirectory("skiff-e2e-csr-").FullName;
        try
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var manifest = Path.Combine(work, "csr.yaml");
            await File.WriteAllTextAsync(manifest, Manifest(name, Request(key, $"CN={name}"), "kubernetes.io/kube-apiserver-client"));
            await KubectlOkAsync("create", "-f", manifest);
            var denied = await KubectlOkAsync("certificate", "deny", name);
            Assert.Equal($"certificatesigningrequest.certificates.k8s.io/{name} denied", denied.Stdout.Trim());
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Matches($@"\n{name}\s.*\sDenied\n$", (await KubectlOkAsync("get", "csr", name)).Stdout);
            Assert.Equal(string.Empty, (await KubectlOkAsync("get", "csr", name, "-o", "jsonpath={.status.certificate}")).Stdout);

            // Approved and Denied exclude each other (kubectl refuses before asking; the server would too).
            var approve = await cluster.KubectlAsync(["certificate", "approve", name]);
            Assert.NotEqual(0, approve.ExitCode);
            Assert.Contains($"certificate signing request \"{name}\" is already Denied", approve.Stderr, StringComparison.Ordinal);

            var masters = Path.Combine(work, "masters.yaml");
            await File.WriteAllTextAsync(masters, Manifest(name + "-root", Request(key, $"CN={name}, O=system:masters"), "kubernetes.io/kube-apiserver-client"));
            var refused = await cluster.KubectlAsync(["create", "-f", masters]);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains(
                $"certificatesigningrequests.certificates.k8s.io \"{name}-root\" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed",
                refused.Stderr,
                StringComparison.Ordinal);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "csr", name, name + "-root", "--ignore-not-found"]);
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Request(ECDsa key, string subject) =>
        new CertificateRequest(subject, key, HashAlgorithmName.SHA256).CreateSigningRequestPem();

    private static string Manifest(string name, string requestPem, string signer) => $"""
        apiVersion: certificates.k8s.io/v1
        kind: CertificateSigningRequest
        metadata:
          name: {name}
        spec:
          request: {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(requestPem))}
          signerName: {signer}
          expirationSeconds: 86400
          usages:
          - client auth
        """;

    private async Task<string> WaitForCertificateAsync(string name)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            var encoded = (await KubectlOkAsync("get", "csr", name, "-o", "jsonpath={.status.certificate}")).Stdout.Trim();
            if (encoded.Length > 0)
            {
                return System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(encoded));
            }
        }

        throw new Xunit.Sdk.XunitException($"csr {name} got no certificate in 60 s: {(await cluster.KubectlAsync(["get", "csr", name, "-o", "yaml"])).Stdout}\n--- server log:\n{cluster.ReadLog()}");
    }

    private async Task<CommandResult> KubectlOkAsync(params string[] arguments)
    {
        var result = await cluster.KubectlAsync(arguments);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result}\n--- server log:\n{cluster.ReadLog()}");
        return result;
    }
}
