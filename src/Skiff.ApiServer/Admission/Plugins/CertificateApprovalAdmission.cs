using k8s.Models;

namespace Skiff.ApiServer.Admission.Plugins;

/// <summary>
/// Upstream's CertificateApproval: approving or denying a CertificateSigningRequest (an update of its
/// <c>approval</c> subresource) needs, besides RBAC's <c>update</c> on <c>certificatesigningrequests/approval</c>, the
/// <c>approve</c> verb on the request's signer (<see cref="SignerAuthorization"/>). The signer is read from the stored
/// request, so a body naming another signer cannot borrow its rights.
/// </summary>
public sealed class CertificateApprovalAdmission : IAdmissionPlugin
{
    public string Name => "CertificateApproval";

    public void Validate(AdmissionAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (attributes.Operation != AdmissionOperation.Update || attributes.Subresource != "approval"
            || !attributes.Is("certificates.k8s.io", "certificatesigningrequests"))
        {
            return;
        }

        if (attributes.OldObject is not V1CertificateSigningRequest old)
        {
            throw AdmissionErrors.Forbidden(attributes, $"expected type CertificateSigningRequest, got: {attributes.OldObject?.GetType().Name ?? "nil"}");
        }

        var signer = old.Spec?.SignerName ?? string.Empty;
        if (!SignerAuthorization.IsAuthorized(SignerAuthorization.Require(attributes, Name), attributes.User, "approve", signer))
        {
            throw AdmissionErrors.Forbidden(attributes, $"user not permitted to approve requests with signerName \"{signer}\"");
        }
    }
}
