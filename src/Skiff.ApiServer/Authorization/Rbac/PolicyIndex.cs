using k8s.Models;

namespace Skiff.ApiServer.Authorization.Rbac;

/// <summary>
/// The RBAC objects resolved and indexed by subject: for each user, group and service account, the rules its
/// bindings grant, with the namespace they hold in (null for cluster-wide). Built once per change of the RBAC
/// objects, so a request costs a few dictionary look-ups plus the rules of the bindings that name its subjects.
/// </summary>
public sealed class PolicyIndex
{
    private readonly Dictionary<string, List<Grant>> _bySubject = new(StringComparer.Ordinal);

    public PolicyIndex(IRbacObjects objects)
    {
        var clusterRoles = objects.ClusterRoles().ToDictionary(r => r.Metadata.Name, r => r.Rules ?? [], StringComparer.Ordinal);
        var roles = objects.Roles().ToDictionary(r => r.Metadata.NamespaceProperty + "/" + r.Metadata.Name, r => r.Rules ?? [], StringComparer.Ordinal);
        foreach (var binding in objects.ClusterRoleBindings())
        {
            if (binding.RoleRef?.Kind == "ClusterRole" && clusterRoles.TryGetValue(binding.RoleRef.Name, out var rules))
            {
                Add(binding.Subjects, null, rules, $"ClusterRoleBinding \"{binding.Metadata.Name}\" of ClusterRole \"{binding.RoleRef.Name}\"");
            }
        }

        foreach (var binding in objects.RoleBindings())
        {
            var ns = binding.Metadata.NamespaceProperty;
            IList<V1PolicyRule>? rules = binding.RoleRef?.Kind switch
            {
                "ClusterRole" => clusterRoles.GetValueOrDefault(binding.RoleRef.Name),
                "Role" => roles.GetValueOrDefault(ns + "/" + binding.RoleRef.Name),
                _ => null,
            };
            if (rules is not null)
            {
                Add(binding.Subjects, ns, rules, $"RoleBinding \"{binding.Metadata.Name}/{ns}\" of {binding.RoleRef!.Kind} \"{binding.RoleRef.Name}\"");
            }
        }
    }

    /// <summary>A binding's rules for one subject; <see cref="Namespace"/> null means everywhere. <see cref="Source"/>
    /// names the binding, its role and the subject as upstream's RBAC reasons do.</summary>
    public sealed record Grant(string? Namespace, IList<V1PolicyRule> Rules, string Source)
    {
        /// <summary>Built once with the index, so an allowed request allocates nothing for its reason.</summary>
        public string AllowedReason { get; } = "RBAC: allowed by " + Source;
    }

    /// <summary>The grants of a user with its groups, in no particular order.</summary>
    public IEnumerable<Grant> GrantsFor(string user, IReadOnlyList<string> groups)
    {
        if (_bySubject.TryGetValue("User:" + user, out var grants))
        {
            foreach (var g in grants)
            {
                yield return g;
            }
        }

        if (ServiceAccountKey(user) is { } sa && _bySubject.TryGetValue(sa, out var saGrants))
        {
            foreach (var g in saGrants)
            {
                yield return g;
            }
        }

        foreach (var group in groups)
        {
            if (_bySubject.TryGetValue("Group:" + group, out var groupGrants))
            {
                foreach (var g in groupGrants)
                {
                    yield return g;
                }
            }
        }
    }

    public bool Allows(AuthorizationAttributes a) => AllowedBy(a) is not null;

    /// <summary>The first grant whose rules allow the request, or null.</summary>
    public Grant? AllowedBy(AuthorizationAttributes a)
    {
        foreach (var grant in GrantsFor(a.User, a.Groups))
        {
            if (grant.Namespace is not null && grant.Namespace != a.Namespace)
            {
                continue;
            }

            foreach (var rule in grant.Rules)
            {
                if (RuleMatcher.Allows(rule, a))
                {
                    return grant;
                }
            }
        }

        return null;
    }

    /// <summary>The rules a user holds in <paramref name="ns"/> (cluster-wide ones included), for escalation checks and rules reviews.</summary>
    public IEnumerable<V1PolicyRule> RulesFor(string user, IReadOnlyList<string> groups, string ns) =>
        GrantsFor(user, groups).Where(g => g.Namespace is null || g.Namespace == ns).SelectMany(g => g.Rules);

    private static string? ServiceAccountKey(string user)
    {
        const string prefix = "system:serviceaccount:";
        return user.StartsWith(prefix, StringComparison.Ordinal) ? "ServiceAccount:" + user[prefix.Length..].Replace(':', '/') : null;
    }

    private void Add(IList<Rbacv1Subject>? subjects, string? ns, IList<V1PolicyRule> rules, string binding)
    {
        foreach (var s in subjects ?? [])
        {
            var saNamespace = string.IsNullOrEmpty(s.NamespaceProperty) ? ns : s.NamespaceProperty;
            var key = s.Kind switch
            {
                "User" => "User:" + s.Name,
                "Group" => "Group:" + s.Name,
                "ServiceAccount" => $"ServiceAccount:{saNamespace}/{s.Name}",
                _ => null,
            };
            if (key is null)
            {
                continue;
            }

            if (!_bySubject.TryGetValue(key, out var list))
            {
                _bySubject[key] = list = [];
            }

            var subject = s.Kind == "ServiceAccount" ? $"ServiceAccount \"{s.Name}/{saNamespace}\"" : $"{s.Kind} \"{s.Name}\"";
            list.Add(new Grant(ns, rules, $"{binding} to {subject}"));
        }
    }
}
