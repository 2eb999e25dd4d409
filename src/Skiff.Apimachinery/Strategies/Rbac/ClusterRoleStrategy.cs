using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Rbac;

/// <summary>The rules of a ClusterRole, aggregated or not. Printer as kubectl: NAME CREATED AT.</summary>
public sealed class ClusterRoleStrategy : ResourceStrategy<V1ClusterRole>
{
    public ClusterRoleStrategy()
        : base(namespaced: false, validateName: RbacNames.Validate, hasStatusSubresource: false, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
        [Column.Name, Column.String("Created At", "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.")];

    protected override IEnumerable<FieldError> Validate(V1ClusterRole obj)
    {
        foreach (var e in PolicyRuleValidation.Rules(obj.Rules, isNamespaced: false))
        {
            yield return e;
        }

        if (obj.AggregationRule is { } aggregation && (aggregation.ClusterRoleSelectors?.Count ?? 0) == 0)
        {
            yield return FieldErrors.Required("aggregationRule.clusterRoleSelectors", "at least one clusterRoleSelector required if aggregationRule is non-nil");
        }
    }

    protected override IReadOnlyList<object?> Cells(V1ClusterRole obj, DateTimeOffset now) =>
        [obj.Metadata?.Name, CreatedAt.Format(obj.Metadata)];
}
