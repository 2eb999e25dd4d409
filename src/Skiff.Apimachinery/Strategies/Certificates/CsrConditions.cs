using k8s.Models;
using Skiff.Api.Certificates;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Certificates;

/// <summary>
/// The conditions of a CertificateSigningRequest (certificates.k8s.io/v1) and who may write which: Approved and
/// Denied through <c>/approval</c> only, Failed (and the certificate) through <c>/status</c>; a main-resource update
/// changes neither. Approved, Denied and Failed are "True" only, one of each at most, Approved and Denied exclusive,
/// and none of them is removed once added (upstream's validateConditions).
/// </summary>
public static class CsrConditions
{
    public const string Approved = CertificateRequestStatus.Approved;
    public const string Denied = CertificateRequestStatus.Denied;
    public const string Failed = CertificateRequestStatus.Failed;

    private static readonly string[] TrueOnly = ["True"];
    private static readonly string[] Statuses = ["True", "False", "Unknown"];

    public static bool IsApprovalCondition(string? type) => type is Approved or Denied;

    public static bool Has(V1CertificateSigningRequest csr, string type) => CertificateRequestStatus.Has(csr, type);

    /// <summary>The approval conditions (Approved, Denied) of <paramref name="approvalSource"/> followed by the other
    /// conditions of <paramref name="otherSource"/>: how one writer's update keeps what the other writer owns.</summary>
    public static List<V1CertificateSigningRequestCondition> Merge(
        IEnumerable<V1CertificateSigningRequestCondition>? approvalSource, IEnumerable<V1CertificateSigningRequestCondition>? otherSource) =>
        (approvalSource ?? []).Where(c => IsApprovalCondition(c.Type))
            .Concat((otherSource ?? []).Where(c => !IsApprovalCondition(c.Type)))
            .ToList();

    /// <summary>Fills lastUpdateTime/lastTransitionTime as the API server does: a new condition or a changed status
    /// gets <paramref name="now"/> as its transition time unless the writer set one.</summary>
    public static void StampTimes(V1CertificateSigningRequest csr, V1CertificateSigningRequest? old, DateTimeOffset now)
    {
        foreach (var condition in csr.Status?.Conditions ?? [])
        {
            var before = old?.Status?.Conditions?.FirstOrDefault(c => c.Type == condition.Type);
            if (condition.LastTransitionTime is null)
            {
                condition.LastTransitionTime = before is not null && before.Status == condition.Status && before.LastTransitionTime is { } kept
                    ? kept
                    : now.UtcDateTime;
            }

            condition.LastUpdateTime ??= now.UtcDateTime;
        }
    }

    public static IEnumerable<FieldError> Validate(V1CertificateSigningRequest csr, V1CertificateSigningRequest? old)
    {
        var conditions = csr.Status?.Conditions ?? [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < conditions.Count; i++)
        {
            var path = $"status.conditions[{i}]";
            var condition = conditions[i];
            if (string.IsNullOrEmpty(condition.Type))
            {
                yield return FieldErrors.Required(path + ".type", string.Empty);
                continue;
            }

            if (condition.Type is Approved or Denied or Failed)
            {
                if (!seen.Add(condition.Type))
                {
                    yield return FieldErrors.Duplicate(path + ".type", condition.Type);
                }

                if (condition.Status != "True")
                {
                    yield return FieldErrors.NotSupported(path + ".status", condition.Status ?? string.Empty, TrueOnly);
                }
            }
            else if (string.IsNullOrEmpty(condition.Status))
            {
                yield return FieldErrors.Required(path + ".status", string.Empty);
            }
            else if (!Statuses.Contains(condition.Status))
            {
                yield return FieldErrors.NotSupported(path + ".status", condition.Status, Statuses);
            }
        }

        if (seen.Contains(Approved) && seen.Contains(Denied))
        {
            yield return FieldErrors.Invalid("status.conditions", "", "Approved and Denied conditions are mutually exclusive");
        }

        foreach (var type in new[] { Approved, Denied, Failed })
        {
            if (old is not null && Has(old, type) && !Has(csr, type))
            {
                yield return FieldErrors.Forbidden("status.conditions", $"updates may not remove a condition of type \"{type}\"");
            }
        }
    }
}
