using k8s.Models;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Authorization.Rbac.Escalation;

/// <summary>
/// Upstream's role and clusterrole policybased storages: a user creates or updates a Role or ClusterRole only with
/// rules they already hold (in the role's namespace; cluster-wide for a ClusterRole), unless they are in
/// <c>system:masters</c> or may <c>escalate</c> the role. An <c>aggregationRule</c> (set, changed or removed) can
/// gather anything, so it needs every right (<c>*</c> on <c>*.*</c> and every URL).
/// </summary>
public sealed class RoleEscalationGuard : IWriteGuard
{
    private static readonly V1PolicyRule[] FullAuthority =
    [
        new() { Verbs = ["*"], ApiGroups = ["*"], Resources = ["*"] },
        new() { Verbs = ["*"], NonResourceURLs = ["*"] },
    ];

    private readonly EscalationChecks _checks;

    public RoleEscalationGuard(EscalationChecks checks)
    {
        _checks = checks;
    }

    public void Check(AdmissionAttributes a)
    {
        if (a.Object is null || EscalationChecks.IsPrivileged(a.User))
        {
            return;
        }

        // As upstream, the escalate check names the object of the request URL: none on a create.
        var requestName = a.Operation == AdmissionOperation.Create ? string.Empty : a.Name;
        if (_checks.MayEscalate(a.User, a.Resource.Plural, a.Namespace, requestName))
        {
            return;
        }

        if (a.Operation == AdmissionOperation.Update && GarbageCollectionFields.OnlyTheyChanged(a.Object, a.OldObject))
        {
            return;
        }

        var resource = StatusErrors.QualifiedResource(a.Resource);
        var name = a.Object.Metadata?.Name ?? a.Name;
        var (rules, aggregates, aggregated) = a.Object switch
        {
            V1ClusterRole role => (role.Rules ?? [], HasAggregationRule(role), HasAggregationRule(a.OldObject as V1ClusterRole)),
            V1Role role => (role.Rules ?? [], false, false),
            _ => ((IList<V1PolicyRule>)[], false, false),
        };
        if (_checks.MissingRights(a.User, a.Namespace, rules) is { } missing)
        {
            throw StatusErrors.Forbidden(resource, name, missing);
        }

        if ((aggregates || aggregated) && _checks.MissingRights(a.User, a.Namespace, FullAuthority) is not null)
        {
            throw StatusErrors.Forbidden(resource, name, "must have cluster-admin privileges to use the aggregationRule");
        }
    }

    private static bool HasAggregationRule(V1ClusterRole? role) => role?.AggregationRule?.ClusterRoleSelectors is { Count: > 0 };
}
