using k8s.Models;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Watch;

namespace Skiff.ApiServer.Authorization.Rbac;

/// <summary>The RBAC objects as the API server's watch cache holds them.</summary>
public sealed class WatchCacheRbacObjects : IRbacObjects
{
    private const string Group = "rbac.authorization.k8s.io";
    private readonly ResourceWatchCache _roles;
    private readonly ResourceWatchCache _clusterRoles;
    private readonly ResourceWatchCache _roleBindings;
    private readonly ResourceWatchCache _clusterRoleBindings;

    public WatchCacheRbacObjects(WatchCacheHub hub, ResourceIndex index)
    {
        ResourceWatchCache For(string plural) => hub.For(index.Find(Group, "v1", plural) ?? throw new InvalidOperationException($"{plural}.{Group} is not served"));
        _roles = For("roles");
        _clusterRoles = For("clusterroles");
        _roleBindings = For("rolebindings");
        _clusterRoleBindings = For("clusterrolebindings");
    }

    public long Version => _roles.Generation + _clusterRoles.Generation + _roleBindings.Generation + _clusterRoleBindings.Generation;

    public IReadOnlyList<V1Role> Roles() => All<V1Role>(_roles);

    public IReadOnlyList<V1ClusterRole> ClusterRoles() => All<V1ClusterRole>(_clusterRoles);

    public IReadOnlyList<V1RoleBinding> RoleBindings() => All<V1RoleBinding>(_roleBindings);

    public IReadOnlyList<V1ClusterRoleBinding> ClusterRoleBindings() => All<V1ClusterRoleBinding>(_clusterRoleBindings);

    private static List<T> All<T>(ResourceWatchCache cache) => cache.Snapshot(string.Empty, _ => true).Select(o => (T)o.Decode()).ToList();
}
