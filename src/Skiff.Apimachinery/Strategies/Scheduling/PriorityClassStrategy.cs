using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Scheduling;

/// <summary>
/// The rules of a PriorityClass (scheduling.k8s.io/v1, cluster-scoped), as upstream's ValidatePriorityClass: a name
/// with the reserved <c>system-</c> prefix must be one of the system classes with its exact value and globalDefault;
/// any other class may not go above 1,000,000,000; preemptionPolicy defaults to PreemptLowerPriority and is
/// PreemptLowerPriority or Never; value and preemptionPolicy never change. That only one class is the global default
/// is the Priority admission plugin's check (it needs the other classes). Generation is 1 from create on (upstream's
/// PrepareForCreate; there is no spec to bump it). Printer: NAME VALUE GLOBAL-DEFAULT AGE
/// PREEMPTIONPOLICY.
/// </summary>
public sealed class PriorityClassStrategy : ResourceStrategy<V1PriorityClass>
{
    public const string PreemptLowerPriority = "PreemptLowerPriority";
    public const string PreemptNever = "Never";

    private static readonly string[] PreemptionPolicies = [PreemptLowerPriority, PreemptNever];

    public PriorityClassStrategy()
        : base(namespaced: false, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: true)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.Integer("Value", "The value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec."),
        new TableColumn("Global-Default", "boolean", "", "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.", 0),
        Column.Age,
        Column.String("PreemptionPolicy", "preemptionPolicy is the Policy for preempting pods with lower priority."),
    ];

    protected override void ApplyDefaults(V1PriorityClass obj)
    {
        // value is a plain int32 upstream: a class without one has 0, and says so.
        obj.Value ??= 0;
        obj.PreemptionPolicy ??= PreemptLowerPriority;
    }

    protected override IEnumerable<FieldError> Validate(V1PriorityClass obj)
    {
        var name = obj.Metadata?.Name ?? string.Empty;
        if (name.StartsWith(SystemPriorityClasses.Prefix, StringComparison.Ordinal))
        {
            if (SystemPriorityClasses.WhyNotKnown(name, obj.Value ?? 0, obj.GlobalDefault ?? false) is { } why)
            {
                yield return FieldErrors.Forbidden(
                    "metadata.name", $"priority class names with '{SystemPriorityClasses.Prefix}' prefix are reserved for system use only. error: {why}");
            }
        }
        else if (obj.Value > SystemPriorityClasses.HighestUserDefinablePriority)
        {
            yield return FieldErrors.Forbidden("value", $"maximum allowed value of a user defined priority is {SystemPriorityClasses.HighestUserDefinablePriority}");
        }

        switch (obj.PreemptionPolicy)
        {
            case null or PreemptLowerPriority or PreemptNever:
                break;
            case "":
                yield return FieldErrors.Required("preemptionPolicy");
                break;
            default:
                yield return FieldErrors.NotSupported("preemptionPolicy", obj.PreemptionPolicy, PreemptionPolicies);
                break;
        }
    }

    protected override IEnumerable<FieldError> ValidateUpdate(V1PriorityClass obj, V1PriorityClass old)
    {
        // Upstream's ValidatePriorityClassUpdate checks only the object meta and the two immutable fields.
        if (obj.Value != old.Value)
        {
            yield return FieldErrors.Forbidden("value", "may not be changed in an update.");
        }

        if (obj.PreemptionPolicy != old.PreemptionPolicy)
        {
            yield return FieldErrors.Immutable("preemptionPolicy", obj.PreemptionPolicy);
        }
    }

    protected override IReadOnlyList<object?> Cells(V1PriorityClass obj, DateTimeOffset now) =>
    [
        obj.Metadata?.Name,
        (long)(obj.Value ?? 0),
        obj.GlobalDefault ?? false,
        HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
        obj.PreemptionPolicy ?? string.Empty,
    ];
}
