using k8s.Models;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Authorization.Rbac.Escalation;

/// <summary>
/// Upstream's rolebinding and clusterrolebinding policybased storages: a user creates or updates a binding only to a
/// role whose rules they already hold where the binding applies (its namespace; cluster-wide for a
/// ClusterRoleBinding), unless they are in <c>system:masters</c> or may <c>bind</c> that role (a rule with
/// <c>resourceNames</c> allows binding just those roles). A binding to a role that does not exist is 404.
/// </summary>
public sealed class BindingEscalationGuard : IWriteGuard
{
    private readonly EscalationChecks _checks;

    public BindingEscalationGuard(EscalationChecks checks)
    {
        _checks = checks;
    }

    public void Check(AdmissionAttributes a)
    {
        var roleRef = a.Object switch
        {
            V1RoleBinding binding => binding.RoleRef,
            V1ClusterRoleBinding binding => binding.RoleRef,
            _ => null,
        };
        if (roleRef is null || EscalationChecks.IsPrivileged(a.User))
        {
            return;
        }

        if (a.Operation == AdmissionOperation.Update && GarbageCollectionFields.OnlyTheyChanged(a.Object!, a.OldObject))
        {
            return;
        }

        if (_checks.MayBind(a.User, roleRef, a.Namespace))
        {
            return;
        }

        var rules = roleRef.Kind switch
        {
            "ClusterRole" => (a.Cluster.Get(EscalationChecks.Group, "clusterroles", null, roleRef.Name) as V1ClusterRole
                ?? throw StatusErrors.NotFound("clusterroles." + EscalationChecks.Group, roleRef.Name)).Rules,
            "Role" when a.Namespace.Length > 0 => (a.Cluster.Get(EscalationChecks.Group, "roles", a.Namespace, roleRef.Name) as V1Role
                ?? throw StatusErrors.NotFound("roles." + EscalationChecks.Group, roleRef.Name)).Rules,
            _ => throw StatusErrors.Internal($"unsupported role reference kind: {Apimachinery.Validation.GoFormat.Quote(roleRef.Kind ?? string.Empty)}"),
        };
        if (_checks.MissingRights(a.User, a.Namespace, rules ?? []) is { } missing)
        {
            throw StatusErrors.Forbidden(StatusErrors.QualifiedResource(a.Resource), a.Object!.Metadata?.Name ?? a.Name, missing);
        }
    }
}
