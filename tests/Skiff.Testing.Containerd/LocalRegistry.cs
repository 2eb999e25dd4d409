using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Skiff.Testing.Containerd;

/// <summary>
/// A private registry on 127.0.0.1 for pull tests: Debian's <c>docker-registry</c> (distribution 2.8) serving HTTPS
/// with a certificate from its own throw-away CA (or plain HTTP, which containerd uses for 127.0.0.1 by default) and
/// htpasswd (bcrypt) basic auth for one user. Images are pushed into it with skopeo.
/// </summary>
public sealed class LocalRegistry : IAsyncDisposable
{
    private readonly Process process;

    private LocalRegistry(Process process, string directory, int port, string caFile, bool tls)
    {
        Tls = tls;
        this.process = process;
        Directory = directory;
        Port = port;
        CaFile = caFile;
    }

    public const string User = "alice";

    public const string Password = "registry-s3cret";

    public string Directory { get; }

    /// <summary>HTTPS (true) or plain HTTP.</summary>
    public bool Tls { get; }

    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>, the registry's host as image references name it.</summary>
    public string Host => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>PEM of the CA that signed the registry's certificate.</summary>
    public string CaFile { get; }

    /// <summary>A certs directory for skopeo's <c>--dest-cert-dir</c> (holds the CA).</summary>
    public string CertDirectory => Path.Combine(Directory, "certs");

    public static async Task<LocalRegistry> StartAsync(CancellationToken cancellationToken, bool tls = true)
    {
        var binary = new[] { "/usr/bin/docker-registry", "/usr/bin/registry" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("docker-registry not found (Debian package docker-registry)");
        var directory = System.IO.Directory.CreateTempSubdirectory("skiff-registry-").FullName;
        var certs = System.IO.Directory.CreateDirectory(Path.Combine(directory, "certs")).FullName;
        var (caPem, certPem, keyPem) = IssueCertificates();
        var caFile = Path.Combine(certs, "ca.crt");
        await File.WriteAllTextAsync(caFile, caPem, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "server.crt"), certPem, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "server.key"), keyPem, cancellationToken);
        await File.WriteAllTextAsync(
            Path.Combine(directory, "htpasswd"), $"{User}:{BCrypt.Net.BCrypt.HashPassword(Password, workFactor: 5)}\n", cancellationToken);
        var port = FreePort();
        var config = Path.Combine(directory, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {Path.Combine(directory, "data")}
            http:
              addr: 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}
            {(tls ? $"  tls:\n    certificate: {Path.Combine(directory, "server.crt")}\n    key: {Path.Combine(directory, "server.key")}" : string.Empty)}
            auth:
              htpasswd:
                realm: skiff-test
                path: {Path.Combine(directory, "htpasswd")}
            """, cancellationToken);
        var start = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(config);
        var process = Process.Start(start) ?? throw new InvalidOperationException("docker-registry did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var registry = new LocalRegistry(process, directory, port, caFile, tls);
        await registry.WaitUntilListeningAsync(cancellationToken);
        return registry;
    }

    /// <summary>Copies an OCI archive into the registry as <c>host/repository:tag</c> with the user's credentials.</summary>
    public async Task PushAsync(string ociArchive, string repositoryAndTag, CancellationToken cancellationToken)
    {
        var skopeo = new ProcessStartInfo("skopeo") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     "copy", "--quiet", Tls ? "--dest-cert-dir=" + CertDirectory : "--dest-tls-verify=false", "--dest-creds", $"{User}:{Password}",
                     $"oci-archive:{ociArchive}", $"docker://{Host}/{repositoryAndTag}",
                 })
        {
            skopeo.ArgumentList.Add(argument);
        }

        using var copy = Process.Start(skopeo) ?? throw new InvalidOperationException("skopeo did not start");
        var stderr = copy.StandardError.ReadToEndAsync(cancellationToken);
        await copy.WaitForExitAsync(cancellationToken);
        if (copy.ExitCode != 0)
        {
            throw new InvalidOperationException($"skopeo copy to {Host}/{repositoryAndTag} failed: {await stderr}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private async Task WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"docker-registry exited with {process.ExitCode}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        throw new InvalidOperationException("docker-registry did not listen within 10 s");
    }

    private static (string Ca, string Cert, string Key) IssueCertificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=skiff-test-registry-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var cert = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(12));
        return (ca.ExportCertificatePem(), cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
