using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using Skiff.Client.Api;

namespace Skiff.Client.Tests.Api;

/// <summary>The kubeconfig reader of the NativeAOT build gives the official client the same configuration as the
/// official reader does, for every way a kubeconfig names a server and a user.</summary>
public sealed class KubeconfigReaderTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("skiff-kubeconfig-");
    private readonly string _caPem;
    private readonly string _certPem;
    private readonly string _keyPem;

    public KubeconfigReaderTests()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=skiff-test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientRequest = new CertificateRequest("CN=alice, O=dev", clientKey, HashAlgorithmName.SHA256);
        using var client = clientRequest.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1), [1, 2, 3, 4]);
        _caPem = ca.ExportCertificatePem();
        _certPem = client.ExportCertificatePem();
        _keyPem = clientKey.ExportECPrivateKeyPem();
    }

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Inline_certificates_the_current_context_and_its_namespace_are_read_as_the_official_reader_does()
    {
        var path = Write("inline.yaml", $"""
            apiVersion: v1
            kind: Config
            current-context: second
            clusters:
            - name: one
              cluster:
                server: https://one.example:6443
                certificate-authority-data: {Base64(_caPem)}
            - name: two
              cluster:
                server: https://127.0.0.1:7443
                certificate-authority-data: {Base64(_caPem)}
                tls-server-name: kubernetes.default
            contexts:
            - name: first
              context:
                cluster: one
                user: alice
            - name: second
              context:
                cluster: two
                user: alice
                namespace: team-a
            users:
            - name: alice
              user:
                client-certificate-data: {Base64(_certPem)}
                client-key-data: {Base64(_keyPem)}
            """);

        var ours = KubernetesClientConfiguration.BuildConfigFromConfigObject(KubeconfigReader.Read(path));

        Assert.Equal(Official(path), Summary(ours));
        Assert.Equal("https://127.0.0.1:7443", ours.Host);
        Assert.Equal("team-a", ours.Namespace);
        Assert.Equal("kubernetes.default", ours.TlsServerName);
        Assert.NotNull(ours.ClientCertificateData);
    }

    [Fact]
    public void Certificate_and_key_files_are_found_relative_to_the_kubeconfig_as_by_the_official_reader()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "ca.crt"), _caPem);
        File.WriteAllText(Path.Combine(_dir.FullName, "client.crt"), _certPem);
        File.WriteAllText(Path.Combine(_dir.FullName, "client.key"), _keyPem);
        var path = Write("files.yaml", """
            apiVersion: v1
            kind: Config
            current-context: default
            clusters:
            - name: local
              cluster:
                server: https://127.0.0.1:6443
                certificate-authority: ca.crt
            contexts:
            - name: default
              context:
                cluster: local
                user: admin
            users:
            - name: admin
              user:
                client-certificate: client.crt
                client-key: client.key
            """);

        var ours = KubernetesClientConfiguration.BuildConfigFromConfigObject(KubeconfigReader.Read(path));

        Assert.Equal(Official(path), Summary(ours));
        Assert.Equal(Path.Combine(_dir.FullName, "client.crt"), ours.ClientCertificateFilePath);
        Assert.Single(ours.SslCaCerts);
    }

    [Fact]
    public void A_token_basic_credentials_an_insecure_cluster_and_null_values_are_read_as_the_official_reader_does()
    {
        var path = Write("token.yaml", """
            apiVersion: v1
            kind: Config
            current-context: ci
            preferences: {}
            clusters:
            - name: insecure
              cluster:
                server: https://10.0.0.1:6443
                insecure-skip-tls-verify: true
            contexts:
            - name: ci
              context:
                cluster: insecure
                user: robot
                namespace: ~
            - name: basic
              context:
                cluster: insecure
                user: person
            users:
            - name: robot
              user:
                token: abc.def.ghi
            - name: person
              user:
                username: bob
                password: "s3cret: yes"
            """);

        var ours = KubernetesClientConfiguration.BuildConfigFromConfigObject(KubeconfigReader.Read(path));
        Assert.Equal(Official(path), Summary(ours));
        Assert.Equal("abc.def.ghi", ours.AccessToken);
        Assert.True(ours.SkipTlsVerify);
        Assert.Null(ours.Namespace);

        var basic = KubernetesClientConfiguration.BuildConfigFromConfigObject(KubeconfigReader.Read(path), "basic");
        Assert.Equal(Summary(KubernetesClientConfiguration.BuildConfigFromConfigFile(path, "basic")), Summary(basic));
        Assert.Equal("s3cret: yes", basic.Password);
    }

    [Fact]
    public void An_exec_credential_plugin_is_read_and_refused_by_the_client_that_cannot_run_it()
    {
        var path = Write("exec.yaml", """
            apiVersion: v1
            kind: Config
            current-context: cloud
            clusters:
            - name: cloud
              cluster: {server: "https://cloud.example"}
            contexts:
            - name: cloud
              context: {cluster: cloud, user: sso}
            users:
            - name: sso
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: cloud-login
                  args: [token, --cluster, cloud]
                  env:
                  - name: REGION
                    value: eu-1
                  provideClusterInfo: true
            """);

        var exec = KubeconfigReader.Read(path).Users.Single().UserCredentials.ExternalExecution;
        Assert.Equal("cloud-login", exec.Command);
        Assert.Equal(["token", "--cluster", "cloud"], exec.Arguments);
        Assert.Equal("eu-1", exec.EnvironmentVariables.Single()["value"]);
        Assert.True(exec.ProvideClusterInfo);

        var refused = Assert.Throws<NotSupportedException>(() => ApiClients.FromKubeconfigWithoutReflection(path));
        Assert.Contains("cloud-login", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("- just\n- a list\n")]
    [InlineData("clusters:\n- cluster: {server: https://x}\n")]
    public void What_is_not_a_kubeconfig_is_refused(string yaml)
    {
        var path = Write("bad.yaml", yaml);
        Assert.Throws<FormatException>(() => KubeconfigReader.Read(path));
    }

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string Base64(string pem) => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(pem));

    private static string Official(string path) => Summary(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));

    // What the client is built from: server, TLS, credentials, namespace.
    private static string Summary(KubernetesClientConfiguration c) => string.Join(
        "\n",
        $"host={c.Host}",
        $"context={c.CurrentContext}",
        $"namespace={c.Namespace}",
        $"skipTls={c.SkipTlsVerify}",
        $"tlsServerName={c.TlsServerName}",
        $"ca={string.Join(",", (c.SslCaCerts ?? []).Select(x => x.Thumbprint))}",
        $"certData={c.ClientCertificateData}",
        $"keyData={c.ClientCertificateKeyData}",
        $"certFile={c.ClientCertificateFilePath}",
        $"keyFile={c.ClientKeyFilePath}",
        $"token={c.AccessToken}",
        $"user={c.Username}",
        $"password={c.Password}");
}
