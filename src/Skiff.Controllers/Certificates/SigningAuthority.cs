using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Skiff.Controllers.Certificates;

/// <summary>
/// The cluster CA as the csrsigning controller uses it (upstream's --cluster-signing-cert-file/-key-file): issues a
/// certificate for a parsed request with the given key usages, valid from five minutes ago (clock skew, as upstream
/// backdates) for the requested duration, never past the CA's own expiry.
/// </summary>
public sealed class SigningAuthority : IDisposable
{
    private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);
    private readonly X509Certificate2 _ca;

    public SigningAuthority(string certificatePem, string keyPem)
    {
        _ca = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        CertificatePem = certificatePem;
    }

    public string CertificatePem { get; }

    /// <summary>Loads a PEM "CERTIFICATE REQUEST" for signing with this CA (signature checked).</summary>
    public static CertificateRequest Load(byte[] request) =>
        CertificateRequest.LoadSigningRequestPem(
            System.Text.Encoding.ASCII.GetString(request), HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions, RSASignaturePadding.Pkcs1);

    /// <summary>A PEM certificate for <paramref name="request"/>'s subject, key and subject alternative names.</summary>
    public string Issue(CertificateRequest request, IReadOnlyCollection<string> usages, TimeSpan lifetime, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(usages);
        var alternativeNames = request.CertificateExtensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault()
            ?? request.CertificateExtensions.FirstOrDefault(e => e.Oid?.Value == "2.5.29.17");
        request.CertificateExtensions.Clear();
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        if (KeyUsages(usages) is var keyUsages and not X509KeyUsageFlags.None)
        {
            // As Go's x509: no key usage extension at all when none was asked for (an empty one makes TLS refuse the key).
            request.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsages, true));
        }
        var extended = ExtendedUsages(usages);
        if (extended.Count > 0)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(extended, false));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        if (alternativeNames is not null)
        {
            request.CertificateExtensions.Add(alternativeNames);
        }

        var notBefore = Max(now - Backdate, _ca.NotBefore.ToUniversalTime());
        var notAfter = Min(now + lifetime, _ca.NotAfter.ToUniversalTime());
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7f; // a positive serial number
        using var issued = request.Create(_ca, notBefore, notAfter, serial);
        return issued.ExportCertificatePem() + "\n";
    }

    public void Dispose() => _ca.Dispose();

    private static X509KeyUsageFlags KeyUsages(IEnumerable<string> usages) => usages.Aggregate(X509KeyUsageFlags.None, (flags, usage) => flags | usage switch
    {
        "signing" or "digital signature" => X509KeyUsageFlags.DigitalSignature,
        "content commitment" => X509KeyUsageFlags.NonRepudiation,
        "key encipherment" => X509KeyUsageFlags.KeyEncipherment,
        "key agreement" => X509KeyUsageFlags.KeyAgreement,
        "data encipherment" => X509KeyUsageFlags.DataEncipherment,
        "cert sign" => X509KeyUsageFlags.KeyCertSign,
        "crl sign" => X509KeyUsageFlags.CrlSign,
        "encipher only" => X509KeyUsageFlags.EncipherOnly,
        "decipher only" => X509KeyUsageFlags.DecipherOnly,
        _ => X509KeyUsageFlags.None,
    });

    private static OidCollection ExtendedUsages(IEnumerable<string> usages)
    {
        var oids = new OidCollection();
        foreach (var usage in usages)
        {
            var oid = usage switch
            {
                "any" => "2.5.29.37.0",
                "server auth" => "1.3.6.1.5.5.7.3.1",
                "client auth" => "1.3.6.1.5.5.7.3.2",
                "code signing" => "1.3.6.1.5.5.7.3.3",
                "email protection" or "s/mime" => "1.3.6.1.5.5.7.3.4",
                "ipsec end system" => "1.3.6.1.5.5.7.3.5",
                "ipsec tunnel" => "1.3.6.1.5.5.7.3.6",
                "ipsec user" => "1.3.6.1.5.5.7.3.7",
                "timestamping" => "1.3.6.1.5.5.7.3.8",
                "ocsp signing" => "1.3.6.1.5.5.7.3.9",
                "microsoft sgc" => "1.3.6.1.4.1.311.10.3.3",
                "netscape sgc" => "2.16.840.1.113730.4.1",
                _ => null,
            };
            if (oid is not null && !oids.Cast<Oid>().Any(o => o.Value == oid))
            {
                oids.Add(new Oid(oid));
            }
        }

        return oids;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
