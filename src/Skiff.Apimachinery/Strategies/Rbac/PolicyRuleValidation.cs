using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Rbac;

/// <summary>Upstream's ValidatePolicyRule and ValidateRoleBindingSubject.</summary>
public static class PolicyRuleValidation
{
    public const string Group = "rbac.authorization.k8s.io";

    public static IEnumerable<FieldError> Rules(IList<V1PolicyRule>? rules, bool isNamespaced, string path = "rules")
    {
        for (var i = 0; i < (rules?.Count ?? 0); i++)
        {
            var rule = rules![i];
            var at = $"{path}[{i}]";
            if ((rule.Verbs?.Count ?? 0) == 0)
            {
                yield return FieldErrors.Required(at + ".verbs", "verbs must contain at least one value");
            }

            var nonResource = rule.NonResourceURLs?.Count ?? 0;
            if (nonResource > 0)
            {
                if (isNamespaced)
                {
                    yield return FieldErrors.Invalid(at + ".nonResourceURLs", rule.NonResourceURLs, "namespaced rules cannot apply to non-resource URLs");
                }

                if ((rule.ApiGroups?.Count ?? 0) > 0 || (rule.Resources?.Count ?? 0) > 0)
                {
                    yield return FieldErrors.Invalid(at + ".nonResourceURLs", rule.NonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs");
                }

                continue;
            }

            if ((rule.ApiGroups?.Count ?? 0) == 0)
            {
                yield return FieldErrors.Required(at + ".apiGroups", "resource rules must supply at least one api group");
            }

            if ((rule.Resources?.Count ?? 0) == 0)
            {
                yield return FieldErrors.Required(at + ".resources", "resource rules must supply at least one resource");
            }
        }
    }

    public static IEnumerable<FieldError> RoleRef(V1RoleRef? roleRef, bool clusterBinding)
    {
        if (roleRef is null || string.IsNullOrEmpty(roleRef.Name))
        {
            yield return FieldErrors.Required("roleRef.name", "");
        }

        if (roleRef is null)
        {
            yield break;
        }

        if (roleRef.ApiGroup != Group)
        {
            yield return FieldErrors.NotSupported("roleRef.apiGroup", roleRef.ApiGroup, [Group]);
        }

        string[] kinds = clusterBinding ? ["ClusterRole"] : ["Role", "ClusterRole"];
        if (!kinds.Contains(roleRef.Kind, StringComparer.Ordinal))
        {
            yield return FieldErrors.NotSupported("roleRef.kind", roleRef.Kind, kinds);
        }
    }

    public static IEnumerable<FieldError> Subjects(IList<Rbacv1Subject>? subjects, bool clusterBinding)
    {
        for (var i = 0; i < (subjects?.Count ?? 0); i++)
        {
            var s = subjects![i];
            var at = $"subjects[{i}]";
            if (string.IsNullOrEmpty(s.Name))
            {
                yield return FieldErrors.Required(at + ".name", "");
            }

            switch (s.Kind)
            {
                case "ServiceAccount":
                    if (!string.IsNullOrEmpty(s.ApiGroup))
                    {
                        yield return FieldErrors.NotSupported(at + ".apiGroup", s.ApiGroup, [""]);
                    }

                    if (clusterBinding && string.IsNullOrEmpty(s.NamespaceProperty))
                    {
                        yield return FieldErrors.Required(at + ".namespace", "");
                    }

                    break;
                case "User" or "Group":
                    if (s.ApiGroup != Group)
                    {
                        yield return FieldErrors.NotSupported(at + ".apiGroup", s.ApiGroup, [Group]);
                    }

                    break;
                default:
                    yield return FieldErrors.NotSupported(at + ".kind", s.Kind, ["ServiceAccount", "User", "Group"]);
                    break;
            }
        }
    }

    /// <summary>"Role/name" as kubectl's ROLE column shows it.</summary>
    public static string RoleColumn(V1RoleRef? roleRef) => roleRef is null ? string.Empty : $"{roleRef.Kind}/{roleRef.Name}";

    public static string SubjectsColumn(IList<Rbacv1Subject>? subjects, string kind) =>
        string.Join(", ", (subjects ?? []).Where(s => s.Kind == kind)
            .Select(s => kind == "ServiceAccount" ? $"{s.NamespaceProperty}/{s.Name}" : s.Name));
}
