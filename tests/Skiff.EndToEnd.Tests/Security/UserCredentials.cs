using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Skiff.EndToEnd.Tests.Security;

/// <summary>
/// A user of the test cluster as an administrator onboards one (README "Users and permissions"): a client certificate
/// signed by the cluster CA in <c>&lt;data-dir&gt;/pki</c> (CN = user, O = groups, clientAuth), written into a kubeconfig
/// of its own, and kubectl run with it and a fresh cache dir.
/// </summary>
internal sealed class UserCredentials
{
    private readonly SkiffCluster _cluster;
    private readonly string _cacheDirectory;

    private UserCredentials(SkiffCluster cluster, string kubeconfigPath)
    {
        _cluster = cluster;
        KubeconfigPath = kubeconfigPath;
        // In the cluster's directory, which goes with the cluster.
        _cacheDirectory = Path.Combine(cluster.DataDirectory, "kubectl-cache-" + Guid.NewGuid().ToString("N"));
    }

    public string KubeconfigPath { get; }

    public static UserCredentials Create(SkiffCluster cluster, string user, params string[] groups)
    {
        var pki = Path.Combine(cluster.DataDirectory, "pki");
        using var ca = X509Certificate2.CreateFromPemFile(Path.Combine(pki, "ca.crt"), Path.Combine(pki, "ca.key"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        foreach (var group in groups)
        {
            subject.AddOrganizationName(group);
        }

        subject.AddCommonName(user);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = DateTimeOffset.UtcNow;
        using var cert = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        static string B64(string pem) => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(pem));
        var path = Path.Combine(cluster.DataDirectory, $"kubeconfig-{user.Replace(':', '-')}.yaml");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: skiff
              cluster:
                server: {cluster.ServerUrl}
                certificate-authority-data: {B64(ca.ExportCertificatePem())}
            users:
            - name: {user}
              user:
                client-certificate-data: {B64(cert.ExportCertificatePem())}
                client-key-data: {B64(key.ExportPkcs8PrivateKeyPem())}
            contexts:
            - name: {user}
              context:
                cluster: skiff
                user: {user}
            current-context: {user}

            """);
        return new UserCredentials(cluster, path);
    }

    public Task<CommandResult> KubectlAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("kubectl", ["--kubeconfig", KubeconfigPath, "--cache-dir", _cacheDirectory, .. arguments], null, TimeSpan.FromSeconds(60), CancellationToken.None);

    /// <summary>Runs kubectl as the user until <paramref name="done"/> holds (RBAC reads a cache that follows writes
    /// by a moment), failing with the last output after 20 s.</summary>
    public async Task<CommandResult> KubectlUntilAsync(Func<CommandResult, bool> done, params string[] arguments)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var result = await KubectlAsync(arguments);
            if (done(result))
            {
                return result;
            }

            Assert.True(DateTime.UtcNow < deadline, $"kubectl {string.Join(' ', arguments)}: {result}\n--- server log:\n{_cluster.ReadLog()}");
            await Task.Delay(200);
        }
    }
}
