using k8s.Models;

namespace Skiff.ApiServer.Authorization.Rbac;

/// <summary>The RBAC objects the authorizer reads, with a number that changes whenever any of them changes.</summary>
public interface IRbacObjects
{
    long Version { get; }

    IReadOnlyList<V1Role> Roles();

    IReadOnlyList<V1ClusterRole> ClusterRoles();

    IReadOnlyList<V1RoleBinding> RoleBindings();

    IReadOnlyList<V1ClusterRoleBinding> ClusterRoleBindings();
}
