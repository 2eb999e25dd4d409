using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Workloads;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>
/// The rules of a PodDisruptionBudget (policy/v1): minAvailable or maxUnavailable (not both), each a non-negative
/// integer or a percentage up to 100%; an optional selector (empty selects every pod of the namespace);
/// unhealthyPodEvictionPolicy IfHealthyBudget or AlwaysAllow. The spec may change (generation counts it). Printer:
/// NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE.
/// </summary>
public sealed class PodDisruptionBudgetStrategy : ResourceStrategy<V1PodDisruptionBudget>
{
    private static readonly string[] UnhealthyPodEvictionPolicies = ["IfHealthyBudget", "AlwaysAllow"];

    public PodDisruptionBudgetStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: true, tracksGeneration: true)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String("Min Available", "The minimum number of pods that must be available."),
        Column.String("Max Unavailable", "The maximum number of pods that may be unavailable."),
        Column.Integer("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time."),
        Column.Age,
    ];

    protected override IEnumerable<FieldError> Validate(V1PodDisruptionBudget obj)
    {
        var spec = obj.Spec ?? new V1PodDisruptionBudgetSpec();
        var errors = new List<FieldError>();
        if (spec.MinAvailable is not null && spec.MaxUnavailable is not null)
        {
            errors.Add(FieldErrors.Invalid("spec.minAvailable", IntOrPercent.BadValue(spec.MinAvailable), "minAvailable and maxUnavailable cannot be both set"));
        }

        IntOrPercent.Validate(spec.MinAvailable, "spec.minAvailable", errors);
        IntOrPercent.Validate(spec.MaxUnavailable, "spec.maxUnavailable", errors);
        if (spec.Selector is not null)
        {
            // Unlike a workload's, an empty selector is valid here: it selects every pod of the namespace.
            errors.AddRange(PodTemplateRules.ValidateSelector(spec.Selector, "spec.selector", "poddisruptionbudget")
                .Where(e => !e.Detail.StartsWith("empty selector", StringComparison.Ordinal)));
        }

        if (spec.UnhealthyPodEvictionPolicy is { } policy && !UnhealthyPodEvictionPolicies.Contains(policy))
        {
            errors.Add(FieldErrors.NotSupported("spec.unhealthyPodEvictionPolicy", policy, UnhealthyPodEvictionPolicies));
        }

        return errors;
    }

    protected override IEnumerable<FieldError> ValidateStatus(V1PodDisruptionBudget obj, V1PodDisruptionBudget old)
    {
        var status = obj.Status ?? new V1PodDisruptionBudgetStatus();
        var errors = new List<FieldError>();
        foreach (var (field, value) in new[]
                 {
                     ("status.disruptionsAllowed", status.DisruptionsAllowed), ("status.currentHealthy", status.CurrentHealthy),
                     ("status.desiredHealthy", status.DesiredHealthy), ("status.expectedPods", status.ExpectedPods),
                 })
        {
            if (value < 0)
            {
                errors.Add(FieldErrors.Invalid(field, value, "must be greater than or equal to 0"));
            }
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1PodDisruptionBudget obj, DateTimeOffset now) =>
    [
        obj.Metadata?.Name,
        obj.Spec?.MinAvailable?.Value ?? "N/A",
        obj.Spec?.MaxUnavailable?.Value ?? "N/A",
        (long)(obj.Status?.DisruptionsAllowed ?? 0),
        HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
    ];
}
