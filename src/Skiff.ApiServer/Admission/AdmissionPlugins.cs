using Skiff.ApiServer.Admission.Plugins;

namespace Skiff.ApiServer.Admission;

/// <summary>
/// The admission plugins the API server runs, in upstream's order (kube-apiserver's AllOrderedPlugins; the
/// mutating phases run in this order, then the validating ones). Add a plugin by putting it at its upstream place.
/// Upstream's order, for reference: NamespaceLifecycle, LimitRanger, ServiceAccount, NodeRestriction,
/// TaintNodesByCondition, PodSecurity, Priority, DefaultTolerationSeconds, ..., DefaultStorageClass, ..., CertificateApproval, CertificateSigning,
/// CertificateSubjectRestriction, ...,
/// MutatingAdmissionWebhook, ValidatingAdmissionPolicy, ValidatingAdmissionWebhook, ResourceQuota.
/// NamespaceLifecycle's refusal to create in a terminating or missing namespace is the registry's own check
/// (<see cref="Registry.GenericRegistry"/>), made after validation.
/// </summary>
public static class AdmissionPlugins
{
    public static IReadOnlyList<IAdmissionPlugin> Default() =>
    [
        new LimitRangerAdmission(),
        new ServiceAccountAdmission(),
        new NodeRestrictionAdmission(),
        new PodSecurityAdmission(),
        new PriorityAdmission(),
        new DefaultTolerationSecondsAdmission(),
        new CertificateRequestorAdmission(),
        new CertificateApprovalAdmission(),
        new CertificateSigningAdmission(),
        new CertificateSubjectRestrictionAdmission(),
        new ResourceQuotaAdmission(),
    ];
}
