using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Workloads;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of a controller revision (apps/v1), the history DaemonSets and StatefulSets keep: revision
/// non-negative, data immutable. Printer: NAME CONTROLLER REVISION AGE.</summary>
public sealed class ControllerRevisionStrategy : ResourceStrategy<V1ControllerRevision>
{
    public ControllerRevisionStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String("Controller", "Controller of the object"),
        Column.Integer("Revision", "Revision indicates the revision of the state represented by Data."),
        Column.Age,
    ];

    protected override IEnumerable<FieldError> Validate(V1ControllerRevision obj) =>
        PodTemplateRules.NonNegative("revision", obj.Revision);

    protected override IEnumerable<FieldError> ValidateUpdate(V1ControllerRevision obj, V1ControllerRevision old)
    {
        var errors = new List<FieldError>(Validate(obj));
        if (!SameJson(obj.Data, old.Data))
        {
            errors.Add(FieldErrors.Immutable("data", "{}"));
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1ControllerRevision obj, DateTimeOffset now)
    {
        var owner = obj.Metadata?.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        var group = owner?.ApiVersion?.Contains('/', StringComparison.Ordinal) == true ? "." + owner.ApiVersion.Split('/')[0] : string.Empty;
        return
        [
            obj.Metadata?.Name,
            owner is null ? "<none>" : $"{owner.Kind.ToLowerInvariant()}{group}/{owner.Name}",
            obj.Revision,
            HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
        ];
    }
}
