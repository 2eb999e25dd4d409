using k8s.Models;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Authorization.Rbac.Escalation;

/// <summary>
/// Upstream's escalation checks (pkg/registry/rbac/escalation_check.go and validation.ConfirmNoEscalation): members of
/// <c>system:masters</c> are never checked; otherwise a user may grant only what RBAC already grants them in the
/// namespace the grant holds in, unless explicitly allowed to <c>escalate</c> (roles) or <c>bind</c> (bindings).
/// </summary>
public sealed class EscalationChecks
{
    public const string Group = "rbac.authorization.k8s.io";
    private readonly RbacAuthorizer _rbac;
    private readonly IAuthorizer _authorizer;

    /// <param name="rbac">Resolves the rules a user holds (RBAC only, as upstream's rule resolver).</param>
    /// <param name="authorizer">The whole chain, asked about the <c>escalate</c> and <c>bind</c> verbs.</param>
    public EscalationChecks(RbacAuthorizer rbac, IAuthorizer authorizer)
    {
        _rbac = rbac;
        _authorizer = authorizer;
    }

    /// <summary>Members of <c>system:masters</c> may grant anything (upstream's EscalationAllowed).</summary>
    public static bool IsPrivileged(UserInfo user) => user.Groups.Contains(PrivilegedGroupAuthorizer.Group);

    /// <summary>Whether the user may <c>escalate</c> the role resource being written (upstream's RoleEscalationAuthorized).</summary>
    public bool MayEscalate(UserInfo user, string resource, string ns, string name) =>
        Allowed(user, "escalate", Group, resource, ns, name);

    /// <summary>Whether the user may <c>bind</c> the referenced role in the binding's namespace (upstream's BindingAuthorized).</summary>
    public bool MayBind(UserInfo user, V1RoleRef roleRef, string bindingNamespace) => roleRef.Kind switch
    {
        "ClusterRole" => Allowed(user, "bind", roleRef.ApiGroup ?? string.Empty, "clusterroles", bindingNamespace, roleRef.Name),
        "Role" => Allowed(user, "bind", roleRef.ApiGroup ?? string.Empty, "roles", bindingNamespace, roleRef.Name),
        _ => false,
    };

    /// <summary>
    /// Null when the rules the user holds in <paramref name="ns"/> (empty: cluster-wide only) cover
    /// <paramref name="rules"/>; else upstream's reason: <c>user "bob" (groups=["system:authenticated"]) is attempting
    /// to grant RBAC permissions not currently held:</c> and one line per missing rule.
    /// </summary>
    public string? MissingRights(UserInfo user, string ns, IEnumerable<V1PolicyRule> rules)
    {
        var groups = RequestAttributes.GroupsOf(user);
        var held = _rbac.Index.RulesFor(user.Name, groups, ns).ToList();
        var missing = RuleCoverage.Uncovered(held, rules);
        if (missing.Count == 0)
        {
            return null;
        }

        return $"user {Apimachinery.Validation.GoFormat.Quote(user.Name)} (groups={RuleDescriptions.QuoteList(groups)}) is attempting to grant RBAC permissions not currently held:\n"
            + string.Join("\n", RuleDescriptions.Lines(missing));
    }

    private bool Allowed(UserInfo user, string verb, string group, string resource, string ns, string name) =>
        _authorizer.Authorize(new AuthorizationAttributes
        {
            User = user.Name,
            Groups = RequestAttributes.GroupsOf(user),
            Verb = verb,
            IsResourceRequest = true,
            ApiGroup = group,
            ApiVersion = "*",
            Resource = resource,
            Namespace = ns,
            Name = name,
        }).Decision == Decision.Allow;
}
