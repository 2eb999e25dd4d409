using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Skiff.Apimachinery.Strategies.Certificates;

namespace Skiff.ApiServer.Admission.Plugins;

/// <summary>
/// Upstream's CertificateSubjectRestriction: a CertificateSigningRequest for the
/// <c>kubernetes.io/kube-apiserver-client</c> signer may not ask for the <c>system:masters</c> group (O=): such a
/// certificate would bypass every authorizer, and it could never be revoked.
/// </summary>
public sealed class CertificateSubjectRestrictionAdmission : IAdmissionPlugin
{
    public const string KubeApiServerClientSigner = "kubernetes.io/kube-apiserver-client";

    public string Name => "CertificateSubjectRestriction";

    public void Validate(AdmissionAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (attributes.Operation != AdmissionOperation.Create || !attributes.Is("certificates.k8s.io", "certificatesigningrequests")
            || attributes.Subresource.Length > 0
            || attributes.Object is not V1CertificateSigningRequest { Spec.SignerName: KubeApiServerClientSigner } csr)
        {
            return;
        }

        CertificateRequest request;
        try
        {
            request = CertificateSigningRequestStrategy.Parse(csr.Spec.Request);
        }
        catch (CryptographicException)
        {
            return; // validation has already refused an unparsable request
        }

        var organizations = request.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.GetSingleElementType().Value == "2.5.4.10")
            .Select(rdn => rdn.GetSingleElementValue());
        if (organizations.Contains("system:masters", StringComparer.Ordinal))
        {
            throw AdmissionErrors.Forbidden(attributes, $"use of {KubeApiServerClientSigner} signer with system:masters group is not allowed");
        }
    }
}
