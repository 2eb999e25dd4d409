using System.Security.Cryptography.X509Certificates;

namespace Skiff.Controllers.Certificates;

/// <summary>
/// What the in-tree signers accept (upstream's csrsigning checks): <c>kube-apiserver-client</c> client certificates
/// for any subject, <c>kube-apiserver-client-kubelet</c> client certificates for <c>system:node:*</c> in
/// <c>system:nodes</c> without alternative names, <c>kubelet-serving</c> serving certificates for
/// <c>system:node:*</c> with DNS or IP names only. <see cref="Check"/> returns the reason a request is refused.
/// </summary>
public static class KubernetesSigners
{
    public const string KubeApiServerClient = "kubernetes.io/kube-apiserver-client";
    public const string KubeletClient = "kubernetes.io/kube-apiserver-client-kubelet";
    public const string KubeletServing = "kubernetes.io/kubelet-serving";

    public static readonly IReadOnlyList<string> Names = [KubeApiServerClient, KubeletClient, KubeletServing];

    private static readonly string[] ClientUsages = ["digital signature", "key encipherment", "client auth"];
    private static readonly string[] ServingUsages = ["digital signature", "key encipherment", "server auth"];

    /// <summary>Null when <paramref name="signerName"/> may issue for the request, else why not.</summary>
    public static string? Check(string signerName, CertificateRequest request, IReadOnlyCollection<string> usages)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(usages);
        var names = AlternativeNames(request);
        switch (signerName)
        {
            case KubeApiServerClient:
                return UsagesProblem(usages, ClientUsages, "client auth");
            case KubeletClient:
                return NodeSubjectProblem(request)
                    ?? (names.Dns > 0 ? "DNS subjectAltNames are not allowed" : null)
                    ?? (names.Email > 0 ? "Email subjectAltNames are not allowed" : null)
                    ?? (names.Ip > 0 ? "IP subjectAltNames are not allowed" : null)
                    ?? (names.Uri > 0 ? "URI subjectAltNames are not allowed" : null)
                    ?? UsagesProblem(usages, ClientUsages, "client auth");
            case KubeletServing:
                return NodeSubjectProblem(request)
                    ?? (names.Dns + names.Ip == 0 ? "DNS or IP subjectAltName is required" : null)
                    ?? (names.Email > 0 ? "Email subjectAltNames are not allowed" : null)
                    ?? (names.Uri > 0 ? "URI subjectAltNames are not allowed" : null)
                    ?? UsagesProblem(usages, ServingUsages, "server auth");
            default:
                return $"unknown signer {signerName}";
        }
    }

    /// <summary>
    /// Whether a request is a plain kubelet client certificate request (upstream's IsKubeletClientCSR, what the
    /// csrapproving controller recognizes): subject <c>system:node:*</c> in exactly <c>system:nodes</c>, no alternative
    /// names, usages exactly {digital signature, client auth} with or without key encipherment.
    /// </summary>
    public static bool IsKubeletClientRequest(CertificateRequest request, IReadOnlyCollection<string> usages)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(usages);
        var distinct = usages.ToHashSet(StringComparer.Ordinal);
        var usagesMatch = distinct.SetEquals(ClientUsages) || distinct.SetEquals(["digital signature", "client auth"]);
        return usagesMatch && NodeSubjectProblem(request) is null && AlternativeNames(request) == (0, 0, 0, 0);
    }

    /// <summary>The request's subject common name (empty without one).</summary>
    public static string CommonName(CertificateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Attributes(request, "2.5.4.3").FirstOrDefault() ?? string.Empty;
    }

    private static string? NodeSubjectProblem(CertificateRequest request)
    {
        var organizations = Attributes(request, "2.5.4.10").ToList();
        if (organizations is not ["system:nodes"])
        {
            return "subject organization is not system:nodes";
        }

        var commonName = Attributes(request, "2.5.4.3").FirstOrDefault() ?? string.Empty;
        return commonName.StartsWith("system:node:", StringComparison.Ordinal) ? null : "subject common name does not begin with system:node:";
    }

    private static string? UsagesProblem(IReadOnlyCollection<string> usages, string[] allowed, string required)
    {
        if (usages.Contains(required) && usages.All(allowed.Contains))
        {
            return null;
        }

        return $"usages did not match [{string.Join(' ', allowed)}]";
    }

    private static IEnumerable<string> Attributes(CertificateRequest request, string oid) =>
        request.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.GetSingleElementType().Value == oid)
            .Select(rdn => rdn.GetSingleElementValue() ?? string.Empty);

    private static (int Dns, int Ip, int Email, int Uri) AlternativeNames(CertificateRequest request)
    {
        var extension = request.CertificateExtensions.FirstOrDefault(e => e.Oid?.Value == "2.5.29.17");
        if (extension is null)
        {
            return (0, 0, 0, 0);
        }

        var names = extension as X509SubjectAlternativeNameExtension ?? new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
        var dns = names.EnumerateDnsNames().Count();
        var ip = names.EnumerateIPAddresses().Count();
        // Email (rfc822Name, tag [1]) and URI ([6]) have no enumerator: read the general names' tags.
        var reader = new System.Formats.Asn1.AsnReader(names.RawData, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
        int email = 0, uri = 0;
        while (reader.HasData)
        {
            var tag = reader.PeekTag();
            email += tag.TagClass == System.Formats.Asn1.TagClass.ContextSpecific && tag.TagValue == 1 ? 1 : 0;
            uri += tag.TagClass == System.Formats.Asn1.TagClass.ContextSpecific && tag.TagValue == 6 ? 1 : 0;
            reader.ReadEncodedValue();
        }

        return (dns, ip, email, uri);
    }
}
