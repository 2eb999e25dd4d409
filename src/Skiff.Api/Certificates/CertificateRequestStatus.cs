using k8s.Models;

namespace Skiff.Api.Certificates;

/// <summary>Reading a CertificateSigningRequest's state from its conditions and certificate (client-safe: used by the
/// API server's strategy and by the controllers that approve and sign).</summary>
public static class CertificateRequestStatus
{
    public const string Approved = "Approved";
    public const string Denied = "Denied";
    public const string Failed = "Failed";

    /// <summary>Whether the request has a condition of <paramref name="type"/> with status True.</summary>
    public static bool Has(V1CertificateSigningRequest csr, string type)
    {
        ArgumentNullException.ThrowIfNull(csr);
        return csr.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;
    }

    /// <summary>Whether a certificate has been issued into the status.</summary>
    public static bool IsIssued(V1CertificateSigningRequest csr)
    {
        ArgumentNullException.ThrowIfNull(csr);
        return csr.Status?.Certificate is { Length: > 0 };
    }
}
