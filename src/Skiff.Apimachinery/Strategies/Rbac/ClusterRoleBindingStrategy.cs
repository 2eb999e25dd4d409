using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Rbac;

/// <summary>The rules of a ClusterRoleBinding: a valid roleRef that never changes, valid subjects. Printer as kubectl:
/// NAME ROLE AGE, wide USERS GROUPS SERVICEACCOUNTS.</summary>
public sealed class ClusterRoleBindingStrategy : ResourceStrategy<V1ClusterRoleBinding>
{
    public ClusterRoleBindingStrategy()
        : base(namespaced: false, validateName: RbacNames.Validate, hasStatusSubresource: false, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name, Column.String("Role", ""), Column.Age,
        Column.String("Users", "", priority: 1), Column.String("Groups", "", priority: 1), Column.String("ServiceAccounts", "", priority: 1),
    ];

    protected override IEnumerable<FieldError> Validate(V1ClusterRoleBinding obj) =>
        PolicyRuleValidation.RoleRef(obj.RoleRef, clusterBinding: true).Concat(PolicyRuleValidation.Subjects(obj.Subjects, clusterBinding: true));

    protected override IEnumerable<FieldError> ValidateUpdate(V1ClusterRoleBinding obj, V1ClusterRoleBinding old)
    {
        var errors = Validate(obj).ToList();
        if (!SameJson(obj.RoleRef, old.RoleRef))
        {
            errors.Add(FieldErrors.Invalid("roleRef", obj.RoleRef, "cannot change roleRef"));
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1ClusterRoleBinding obj, DateTimeOffset now) =>
    [
        obj.Metadata?.Name, PolicyRuleValidation.RoleColumn(obj.RoleRef), HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
        PolicyRuleValidation.SubjectsColumn(obj.Subjects, "User"), PolicyRuleValidation.SubjectsColumn(obj.Subjects, "Group"),
        PolicyRuleValidation.SubjectsColumn(obj.Subjects, "ServiceAccount"),
    ];
}
