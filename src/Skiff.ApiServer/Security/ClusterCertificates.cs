using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Skiff.ApiServer.Security;

/// <summary>
/// The cluster's PKI in <c>&lt;data-dir&gt;/pki</c>: a CA, the API server's serving certificate and the admin client
/// credential. Created at first start and reused afterwards, so kubeconfigs handed out earlier keep working.
/// </summary>
public sealed class ClusterCertificates : IDisposable
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private ClusterCertificates(X509Certificate2 ca, X509Certificate2 serving, string caPem, string adminCertPem, string adminKeyPem)
    {
        Ca = ca;
        Serving = serving;
        CaPem = caPem;
        AdminCertificatePem = adminCertPem;
        AdminKeyPem = adminKeyPem;
    }

    /// <summary>The CA certificate with its private key (it signs agent credentials later).</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The serving certificate with its private key.</summary>
    public X509Certificate2 Serving { get; }

    public string CaPem { get; }

    public string AdminCertificatePem { get; }

    public string AdminKeyPem { get; }

    /// <summary>Loads the PKI from <paramref name="pkiDir"/>, creating what is missing. The serving certificate is
    /// re-issued when it lacks one of <paramref name="ipSans"/>/<paramref name="dnsSans"/> or is about to expire.</summary>
    public static ClusterCertificates LoadOrCreate(string pkiDir, IReadOnlyCollection<IPAddress> ipSans, IReadOnlyCollection<string> dnsSans, TimeProvider time)
    {
        Directory.CreateDirectory(pkiDir);
        var now = time.GetUtcNow();
        var ca = LoadPair(pkiDir, "ca") ?? CreateCa(pkiDir, now);

        var serving = LoadPair(pkiDir, "apiserver");
        if (serving is null || serving.NotAfter.ToUniversalTime() < now.UtcDateTime.AddDays(30) || !CoversSans(serving, ipSans, dnsSans))
        {
            serving?.Dispose();
            serving = Issue(pkiDir, "apiserver", ca, "CN=skiff-apiserver", ServerAuthOid, ipSans, dnsSans, now);
        }

        var admin = LoadPair(pkiDir, "admin") ?? Issue(pkiDir, "admin", ca, "CN=admin, O=system:masters", ClientAuthOid, [], [], now);
        var adminCertPem = File.ReadAllText(Path.Combine(pkiDir, "admin.crt"));
        var adminKeyPem = File.ReadAllText(Path.Combine(pkiDir, "admin.key"));
        admin.Dispose();
        return new ClusterCertificates(ca, serving, ca.ExportCertificatePem(), adminCertPem, adminKeyPem);
    }

    /// <summary>Issues a client certificate signed by the cluster CA (for agents), returned as PEM cert and key.</summary>
    public (string CertificatePem, string KeyPem) IssueClientCertificate(string commonName, IReadOnlyList<string> organizations, TimeProvider time)
    {
        var subject = "CN=" + commonName + string.Concat(organizations.Select(o => ", O=" + o));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = Sign(Ca, subject, key, ClientAuthOid, [], [], time.GetUtcNow());
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>Issues a serving certificate signed by the cluster CA (a kubelet's), returned as PEM cert and key.</summary>
    public (string CertificatePem, string KeyPem) IssueServingCertificate(string commonName, IReadOnlyCollection<IPAddress> ips, IReadOnlyCollection<string> dnsNames, TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = Sign(Ca, "CN=" + commonName, key, ServerAuthOid, ips, dnsNames, time.GetUtcNow());
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose()
    {
        Ca.Dispose();
        Serving.Dispose();
    }

    private static bool CoversSans(X509Certificate2 cert, IReadOnlyCollection<IPAddress> ips, IReadOnlyCollection<string> dns)
    {
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (san is null)
        {
            return false;
        }

        var haveIps = san.EnumerateIPAddresses().ToHashSet();
        var haveDns = san.EnumerateDnsNames().ToHashSet(StringComparer.OrdinalIgnoreCase);
        return ips.All(haveIps.Contains) && dns.All(haveDns.Contains);
    }

    private static X509Certificate2? LoadPair(string dir, string name)
    {
        var crt = Path.Combine(dir, name + ".crt");
        var key = Path.Combine(dir, name + ".key");
        if (!File.Exists(crt) || !File.Exists(key))
        {
            return null;
        }

        return X509Certificate2.CreateFromPem(File.ReadAllText(crt), File.ReadAllText(key));
    }

    private static X509Certificate2 CreateCa(string dir, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=skiff-ca", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        Save(dir, "ca", cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
        return X509Certificate2.CreateFromPem(cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private static X509Certificate2 Issue(
        string dir, string name, X509Certificate2 ca, string subject, string usageOid,
        IReadOnlyCollection<IPAddress> ips, IReadOnlyCollection<string> dns, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = Sign(ca, subject, key, usageOid, ips, dns, now);
        Save(dir, name, cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
        return X509Certificate2.CreateFromPem(cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private static X509Certificate2 Sign(
        X509Certificate2 ca, string subject, ECDsa key, string usageOid,
        IReadOnlyCollection<IPAddress> ips, IReadOnlyCollection<string> dns, DateTimeOffset now)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (ips.Count > 0 || dns.Count > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var ip in ips)
            {
                san.AddIpAddress(ip);
            }

            foreach (var name in dns)
            {
                san.AddDnsName(name);
            }

            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number
        var notAfter = now.AddYears(1) < ca.NotAfter ? now.AddYears(1) : new DateTimeOffset(ca.NotAfter);
        return request.Create(ca, now.AddMinutes(-5), notAfter, serial);
    }

    private static void Save(string dir, string name, string certPem, string keyPem)
    {
        var keyPath = Path.Combine(dir, name + ".key");
        File.WriteAllText(keyPath, keyPem);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(Path.Combine(dir, name + ".crt"), certPem);
    }
}
