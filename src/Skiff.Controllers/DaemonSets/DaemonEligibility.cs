using System.Globalization;
using k8s.Models;

namespace Skiff.Controllers.DaemonSets;

/// <summary>Upstream's NodeShouldRunDaemonPod: whether a daemon pod should be placed on a node (node name, nodeSelector
/// and required node affinity fit, every NoSchedule/NoExecute taint tolerated) and whether one already there should
/// keep running (only NoExecute taints evict).</summary>
public static class DaemonEligibility
{
    public static (bool ShouldRun, bool ShouldContinueRunning) Evaluate(V1Node node, V1PodSpec daemonPodSpec)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(daemonPodSpec);
        if (!string.IsNullOrEmpty(daemonPodSpec.NodeName) && daemonPodSpec.NodeName != node.Metadata.Name)
        {
            return (false, false);
        }

        if (!FitsNodeSelector(daemonPodSpec, node))
        {
            return (false, false);
        }

        var taints = node.Spec?.Taints ?? [];
        var untolerated = taints.Where(t => t.Effect is "NoSchedule" or "NoExecute" && !Tolerates(daemonPodSpec.Tolerations, t)).ToList();
        if (untolerated.Count == 0)
        {
            return (true, true);
        }

        return (false, !untolerated.Any(t => t.Effect == "NoExecute"));
    }

    /// <summary>nodeSelector and required node affinity (terms ORed, requirements ANDed).</summary>
    public static bool FitsNodeSelector(V1PodSpec spec, V1Node node)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(node);
        foreach (var (key, value) in spec.NodeSelector ?? new Dictionary<string, string>())
        {
            if (node.Metadata.Labels?.TryGetValue(key, out var actual) != true || actual != value)
            {
                return false;
            }
        }

        var terms = spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms;
        return terms is null || terms.Any(term => TermMatches(term, node));
    }

    /// <summary>upstream's v1helper.TolerationsTolerateTaint.</summary>
    public static bool Tolerates(IList<V1Toleration>? tolerations, V1Taint taint)
    {
        ArgumentNullException.ThrowIfNull(taint);
        return (tolerations ?? []).Any(t =>
            (string.IsNullOrEmpty(t.Effect) || t.Effect == taint.Effect)
            && (string.IsNullOrEmpty(t.Key) || t.Key == taint.Key)
            && t.OperatorProperty switch
            {
                "Exists" => true,
                "Equal" or "" or null => !string.IsNullOrEmpty(t.Key) && (t.Value ?? string.Empty) == (taint.Value ?? string.Empty),
                _ => false,
            });
    }

    private static bool TermMatches(V1NodeSelectorTerm term, V1Node node)
    {
        var expressions = term.MatchExpressions ?? [];
        var fields = term.MatchFields ?? [];
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return false; // an empty term matches no objects
        }

        foreach (var requirement in expressions)
        {
            string? value = null;
            var has = node.Metadata.Labels?.TryGetValue(requirement.Key, out value) ?? false;
            if (!Satisfies(requirement, has, value))
            {
                return false;
            }
        }

        return fields.All(requirement => requirement.Key == "metadata.name"
            ? Satisfies(requirement, true, node.Metadata.Name)
            : Satisfies(requirement, false, null));
    }

    private static bool Satisfies(V1NodeSelectorRequirement requirement, bool has, string? value)
    {
        var values = requirement.Values ?? [];
        return requirement.OperatorProperty switch
        {
            "In" => has && values.Contains(value!),
            "NotIn" => !has || !values.Contains(value!),
            "Exists" => has,
            "DoesNotExist" => !has,
            "Gt" => has && values.Count == 1 && Compare(value!, values[0]) > 0,
            "Lt" => has && values.Count == 1 && Compare(value!, values[0]) < 0,
            _ => false,
        };
    }

    private static int Compare(string actual, string wanted) =>
        long.TryParse(actual, NumberStyles.Integer, CultureInfo.InvariantCulture, out var a)
        && long.TryParse(wanted, NumberStyles.Integer, CultureInfo.InvariantCulture, out var w)
            ? a.CompareTo(w)
            : 0;
}
