using k8s.Models;

namespace Skiff.ApiServer.Admission.Plugins;

/// <summary>
/// Upstream's CertificateSigning: an update of a CertificateSigningRequest's <c>status</c> that sets or changes
/// <c>status.certificate</c> needs the <c>sign</c> verb on the request's signer (<see cref="SignerAuthorization"/>), so
/// only the signer's own controller issues certificates in its name. Status updates that leave the certificate alone
/// (e.g. a Failed condition) are not checked.
/// </summary>
public sealed class CertificateSigningAdmission : IAdmissionPlugin
{
    public string Name => "CertificateSigning";

    public void Validate(AdmissionAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (attributes.Operation != AdmissionOperation.Update || attributes.Subresource != "status"
            || !attributes.Is("certificates.k8s.io", "certificatesigningrequests"))
        {
            return;
        }

        if (attributes.OldObject is not V1CertificateSigningRequest old || attributes.Object is not V1CertificateSigningRequest csr)
        {
            throw AdmissionErrors.Forbidden(attributes, $"expected type CertificateSigningRequest, got: {attributes.OldObject?.GetType().Name ?? "nil"}");
        }

        if ((old.Status?.Certificate ?? []).AsSpan().SequenceEqual(csr.Status?.Certificate ?? []))
        {
            return;
        }

        var signer = old.Spec?.SignerName ?? string.Empty;
        if (!SignerAuthorization.IsAuthorized(SignerAuthorization.Require(attributes, Name), attributes.User, "sign", signer))
        {
            throw AdmissionErrors.Forbidden(attributes, $"user not permitted to sign requests with signerName \"{signer}\"");
        }
    }
}
