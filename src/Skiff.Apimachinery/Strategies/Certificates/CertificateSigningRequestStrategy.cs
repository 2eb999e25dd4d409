using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Certificates;

/// <summary>
/// The rules of a CertificateSigningRequest (certificates.k8s.io/v1, cluster-scoped): <c>spec.request</c> a PEM
/// "CERTIFICATE REQUEST" with a valid signature, <c>signerName</c> a qualified name, <c>usages</c> from upstream's
/// list, <c>expirationSeconds</c> at least 600. The spec is immutable (an update keeps it, as upstream's
/// PrepareForUpdate); the requesting user (username, uid, groups) is recorded by admission at create. Status is
/// written through <c>/status</c> (Failed, the certificate, which never changes once set) and <c>/approval</c>
/// (Approved, Denied; see <see cref="CsrConditions"/>). Printer: NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION.
/// </summary>
public sealed class CertificateSigningRequestStrategy : ResourceStrategy<V1CertificateSigningRequest>
{
    public const int MinExpirationSeconds = 600;

    /// <summary>Upstream's KeyUsage values.</summary>
    public static readonly IReadOnlyList<string> KnownUsages =
    [
        "signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment",
        "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth", "code signing",
        "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
        "microsoft sgc", "netscape sgc",
    ];

    public CertificateSigningRequestStrategy()
        : base(namespaced: false, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: true, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.Age,
        Column.String("SignerName", "The name of the signer the request is for."),
        Column.String("Requestor", "The user who created the request."),
        Column.String("RequestedDuration", "The requested validity of the certificate."),
        Column.String("Condition", "Approved, Denied, Failed or Pending, and Issued once the certificate is there."),
    ];

    /// <summary>Parses a PEM "CERTIFICATE REQUEST" (checking its signature); the error text is upstream's.</summary>
    public static CertificateRequest Parse(byte[]? request)
    {
        var text = Encoding.ASCII.GetString(request ?? []);
        if (!PemEncoding.TryFind(text, out var fields))
        {
            throw new CryptographicException("PEM block type must be CERTIFICATE REQUEST");
        }

        if (text[fields.Label] != "CERTIFICATE REQUEST")
        {
            throw new CryptographicException("PEM block type must be CERTIFICATE REQUEST");
        }

        return CertificateRequest.LoadSigningRequestPem(text, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
    }

    /// <summary>The CONDITION column: the True conditions' types (or Pending), plus Issued once there is a certificate.</summary>
    public static string ConditionSummary(V1CertificateSigningRequest csr)
    {
        var parts = (csr.Status?.Conditions ?? []).Where(c => c.Status is null or "True").Select(c => c.Type).ToList();
        if (parts.Count == 0)
        {
            parts.Add("Pending");
        }

        if (csr.Status?.Certificate is { Length: > 0 })
        {
            parts.Add("Issued");
        }

        return string.Join(",", parts);
    }

    protected override void OnUpdate(V1CertificateSigningRequest obj, V1CertificateSigningRequest old, DateTimeOffset now)
    {
        // Only metadata changes through the main resource: the spec is the request, the status belongs to the subresources.
        obj.Spec = old.Spec;
    }

    protected override void OnStatusUpdate(V1CertificateSigningRequest obj, V1CertificateSigningRequest old, DateTimeOffset now)
    {
        // The status writer (the signer) may add Failed and the certificate; Approved/Denied are the approver's.
        obj.Status ??= new V1CertificateSigningRequestStatus();
        obj.Status.Conditions = CsrConditions.Merge(old.Status?.Conditions, obj.Status.Conditions);
        CsrConditions.StampTimes(obj, old, now);
    }

    protected override IEnumerable<FieldError> Validate(V1CertificateSigningRequest obj)
    {
        var spec = obj.Spec ?? new V1CertificateSigningRequestSpec();
        var errors = new List<FieldError>();
        if (spec.Request is not { Length: > 0 })
        {
            errors.Add(FieldErrors.Required("spec.request", string.Empty));
        }
        else
        {
            try
            {
                Parse(spec.Request);
            }
            catch (CryptographicException e)
            {
                errors.Add(FieldErrors.Invalid("spec.request", Encoding.ASCII.GetString(spec.Request), e.Message));
            }
        }

        if (spec.Usages is not { Count: > 0 })
        {
            errors.Add(FieldErrors.Required("spec.usages", string.Empty));
        }
        else
        {
            for (var i = 0; i < spec.Usages.Count; i++)
            {
                if (!KnownUsages.Contains(spec.Usages[i]))
                {
                    errors.Add(FieldErrors.NotSupported($"spec.usages[{i}]", spec.Usages[i], KnownUsages));
                }
                else if (spec.Usages.Take(i).Contains(spec.Usages[i]))
                {
                    errors.Add(FieldErrors.Duplicate($"spec.usages[{i}]", spec.Usages[i]));
                }
            }
        }

        if (string.IsNullOrEmpty(spec.SignerName))
        {
            errors.Add(FieldErrors.Required("spec.signerName", string.Empty));
        }
        else
        {
            errors.AddRange(ValidateSignerName(spec.SignerName));
        }

        if (spec.ExpirationSeconds is < MinExpirationSeconds and var seconds)
        {
            errors.Add(FieldErrors.Invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 600 seconds (10 minutes)"));
        }

        errors.AddRange(ValidateCertificate(obj, null));
        errors.AddRange(CsrConditions.Validate(obj, null));
        return errors;
    }

    protected override IEnumerable<FieldError> ValidateUpdate(V1CertificateSigningRequest obj, V1CertificateSigningRequest old) => Validate(obj);

    protected override IEnumerable<FieldError> ValidateStatus(V1CertificateSigningRequest obj, V1CertificateSigningRequest old) =>
        ValidateCertificate(obj, old).Concat(CsrConditions.Validate(obj, old));

    protected override IReadOnlyList<object?> Cells(V1CertificateSigningRequest obj, DateTimeOffset now) =>
    [
        obj.Metadata?.Name,
        HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
        obj.Spec?.SignerName,
        obj.Spec?.Username,
        obj.Spec?.ExpirationSeconds is { } seconds ? HumanDuration.Format(TimeSpan.FromSeconds(seconds)) : "<none>",
        ConditionSummary(obj),
    ];

    protected override void AddSelectableFields(V1CertificateSigningRequest obj, IDictionary<string, string> fields) =>
        fields["spec.signerName"] = obj.Spec?.SignerName ?? string.Empty;

    /// <summary>A signer name is "domain/path": a DNS-1123 subdomain, a slash, and a qualified name's path part.</summary>
    private static IEnumerable<FieldError> ValidateSignerName(string signerName)
    {
        var slash = signerName.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            yield return FieldErrors.Invalid("spec.signerName", signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'");
            yield break;
        }

        var domain = signerName[..slash];
        var path = signerName[(slash + 1)..];
        foreach (var message in NameRules.Dns1123Subdomain(domain))
        {
            yield return FieldErrors.Invalid("spec.signerName", signerName, message);
        }

        if (path.Length == 0 || path.Contains('/', StringComparison.Ordinal))
        {
            yield return FieldErrors.Invalid("spec.signerName", signerName, "validating path of signerName: " + (path.Length == 0 ? "path may not be empty" : "path may not contain '/'"));
        }
    }

    private static IEnumerable<FieldError> ValidateCertificate(V1CertificateSigningRequest obj, V1CertificateSigningRequest? old)
    {
        var certificate = obj.Status?.Certificate;
        if (old?.Status?.Certificate is { Length: > 0 } before && (certificate is null || !before.AsSpan().SequenceEqual(certificate)))
        {
            yield return FieldErrors.Invalid("status.certificate", "<certificate data>", "updates may not modify existing certificate content");
            yield break;
        }

        if (certificate is not { Length: > 0 })
        {
            yield break;
        }

        string? problem = null;
        try
        {
            var pem = Encoding.ASCII.GetString(certificate);
            var found = false;
            for (var rest = pem; PemEncoding.TryFind(rest, out var fields); rest = rest[fields.Location.End..])
            {
                if (rest[fields.Label] != "CERTIFICATE")
                {
                    problem = "only CERTIFICATE PEM blocks are allowed, found \"" + rest[fields.Label] + "\"";
                    break;
                }

                using var parsed = X509Certificate2.CreateFromPem(rest[fields.Location]);
                found = true;
            }

            if (problem is null && !found)
            {
                problem = "must contain at least one CERTIFICATE PEM block";
            }
        }
        catch (CryptographicException e)
        {
            problem = e.Message;
        }

        if (problem is not null)
        {
            yield return FieldErrors.Invalid("status.certificate", "<certificate data>", problem);
        }
    }
}
