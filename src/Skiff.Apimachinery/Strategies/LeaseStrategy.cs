using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of a lease (node heartbeats, leader election). Printer: NAME HOLDER AGE.</summary>
public sealed class LeaseStrategy : ResourceStrategy<V1Lease>
{
    public LeaseStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
        [Column.Name, Column.String("Holder", "holderIdentity contains the identity of the holder of a current lease."), Column.Age];

    protected override IEnumerable<FieldError> Validate(V1Lease obj)
    {
        if (obj.Spec?.LeaseDurationSeconds is { } duration and <= 0)
        {
            yield return FieldErrors.Invalid("spec.leaseDurationSeconds", duration, "must be greater than 0");
        }

        if (obj.Spec?.LeaseTransitions is { } transitions and < 0)
        {
            yield return FieldErrors.Invalid("spec.leaseTransitions", transitions, "must be greater than or equal to 0");
        }
    }

    protected override IReadOnlyList<object?> Cells(V1Lease obj, DateTimeOffset now) =>
        [obj.Metadata?.Name, obj.Spec?.HolderIdentity ?? string.Empty, HumanDuration.Since(obj.Metadata?.CreationTimestamp, now)];
}
