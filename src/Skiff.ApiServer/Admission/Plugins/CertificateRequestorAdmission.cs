using k8s.Models;

namespace Skiff.ApiServer.Admission.Plugins;

/// <summary>
/// Records who asks for a certificate: a new CertificateSigningRequest's <c>spec.username</c> and <c>spec.groups</c>
/// are the requesting user's, whatever the client sent (upstream's CSR strategy does this in PrepareForCreate from
/// the request's user; Skiff's strategies do not see the user, so the mutating admission phase does it, before
/// validation as upstream's order has it). Signers and approvers trust these fields, e.g. the kubelet client signer.
/// </summary>
public sealed class CertificateRequestorAdmission : IAdmissionPlugin
{
    public string Name => "CertificateRequestor";

    public void Admit(AdmissionAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (attributes.Operation != AdmissionOperation.Create || !attributes.Is("certificates.k8s.io", "certificatesigningrequests")
            || attributes.Object is not V1CertificateSigningRequest csr)
        {
            return;
        }

        csr.Spec ??= new V1CertificateSigningRequestSpec();
        csr.Spec.Username = attributes.User.Name;
        csr.Spec.Groups = attributes.User.Groups.ToList();
        csr.Spec.Uid = null;
        csr.Spec.Extra = null;
    }
}
