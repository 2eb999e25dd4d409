using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Certificates;

/// <summary>
/// An update through <c>certificatesigningrequests/{name}/approval</c> (upstream's csrApprovalStrategy): only the
/// Approved and Denied conditions of the submitted object are taken; spec, certificate and the other conditions stay
/// as stored.
/// </summary>
public static class CsrApproval
{
    /// <summary>Applies <paramref name="submitted"/>'s approval conditions to <paramref name="current"/> (in place);
    /// returns the validation errors against <paramref name="old"/>, empty when the update may be stored.</summary>
    public static IReadOnlyList<FieldError> Apply(V1CertificateSigningRequest current, V1CertificateSigningRequest old, V1CertificateSigningRequest submitted, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(submitted);
        current.Status ??= new V1CertificateSigningRequestStatus();
        current.Status.Conditions = CsrConditions.Merge(submitted.Status?.Conditions, old.Status?.Conditions);
        CsrConditions.StampTimes(current, old, now);
        return CsrConditions.Validate(current, old).ToList();
    }
}
