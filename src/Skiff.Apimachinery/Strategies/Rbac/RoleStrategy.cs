using k8s.Models;
using Skiff.Apimachinery.Printing;

namespace Skiff.Apimachinery.Strategies.Rbac;

/// <summary>The rules of a namespaced Role. Printer as kubectl: NAME CREATED AT.</summary>
public sealed class RoleStrategy : ResourceStrategy<V1Role>
{
    public RoleStrategy()
        : base(namespaced: true, validateName: RbacNames.Validate, hasStatusSubresource: false, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
        [Column.Name, Column.String("Created At", "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.")];

    protected override IEnumerable<FieldError> Validate(V1Role obj) => PolicyRuleValidation.Rules(obj.Rules, isNamespaced: true);

    protected override IReadOnlyList<object?> Cells(V1Role obj, DateTimeOffset now) =>
        [obj.Metadata?.Name, CreatedAt.Format(obj.Metadata)];
}
