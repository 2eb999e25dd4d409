using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Rbac;

/// <summary>The rules of a RoleBinding: a valid roleRef that never changes, valid subjects. Printer as kubectl:
/// NAME ROLE AGE, wide USERS GROUPS SERVICEACCOUNTS.</summary>
public sealed class RoleBindingStrategy : ResourceStrategy<V1RoleBinding>
{
    public RoleBindingStrategy()
        : base(namespaced: true, validateName: RbacNames.Validate, hasStatusSubresource: false, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name, Column.String("Role", ""), Column.Age,
        Column.String("Users", "", priority: 1), Column.String("Groups", "", priority: 1), Column.String("ServiceAccounts", "", priority: 1),
    ];

    protected override IEnumerable<FieldError> Validate(V1RoleBinding obj) =>
        PolicyRuleValidation.RoleRef(obj.RoleRef, clusterBinding: false).Concat(PolicyRuleValidation.Subjects(obj.Subjects, clusterBinding: false));

    protected override IEnumerable<FieldError> ValidateUpdate(V1RoleBinding obj, V1RoleBinding old)
    {
        var errors = Validate(obj).ToList();
        if (!SameJson(obj.RoleRef, old.RoleRef))
        {
            errors.Add(FieldErrors.Invalid("roleRef", obj.RoleRef, "cannot change roleRef"));
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1RoleBinding obj, DateTimeOffset now) =>
    [
        obj.Metadata?.Name, PolicyRuleValidation.RoleColumn(obj.RoleRef), HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
        PolicyRuleValidation.SubjectsColumn(obj.Subjects, "User"), PolicyRuleValidation.SubjectsColumn(obj.Subjects, "Group"),
        PolicyRuleValidation.SubjectsColumn(obj.Subjects, "ServiceAccount"),
    ];
}
