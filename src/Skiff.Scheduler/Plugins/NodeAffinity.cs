using System.Globalization;
using k8s.Models;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>
/// Upstream's NodeAffinity: <c>nodeSelector</c> and required node affinity (terms ORed, expressions ANDed; In,
/// NotIn, Exists, DoesNotExist, Gt, Lt; matchFields on metadata.name) filter; preferred terms add their weights.
/// </summary>
public sealed class NodeAffinity : IFilterPlugin, IScorePlugin
{
    public const string Reason = "node(s) didn't match Pod's node affinity/selector";

    public string Name => nameof(NodeAffinity);

    public int Weight => 2;

    public IReadOnlyList<string>? Filter(SchedulingPod pod, NodeInfo node)
    {
        var labels = node.Node?.Metadata?.Labels;
        foreach (var (key, value) in pod.Pod.Spec?.NodeSelector ?? new Dictionary<string, string>())
        {
            if (labels is null || !labels.TryGetValue(key, out var actual) || actual != value)
            {
                return [Reason];
            }
        }

        var required = pod.Pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution;
        if (required?.NodeSelectorTerms is { Count: > 0 } terms && !terms.Any(t => Matches(t, node.Node!)))
        {
            return [Reason];
        }

        return null;
    }

    /// <summary>The sum of the weights of the preferred terms the node matches (normalized to 0-100 against the total).</summary>
    public long Score(SchedulingPod pod, NodeInfo node)
    {
        var preferred = pod.Pod.Spec?.Affinity?.NodeAffinity?.PreferredDuringSchedulingIgnoredDuringExecution;
        if (preferred is not { Count: > 0 })
        {
            return 0;
        }

        var total = preferred.Sum(p => (long)p.Weight);
        var matched = preferred.Where(p => p.Preference is not null && Matches(p.Preference, node.Node!)).Sum(p => (long)p.Weight);
        return total == 0 ? 0 : matched * 100 / total;
    }

    public static bool Matches(V1NodeSelectorTerm term, V1Node node)
    {
        ArgumentNullException.ThrowIfNull(term);
        ArgumentNullException.ThrowIfNull(node);
        if ((term.MatchExpressions?.Count ?? 0) + (term.MatchFields?.Count ?? 0) == 0)
        {
            return false; // an empty term matches no objects
        }

        var labels = node.Metadata?.Labels ?? new Dictionary<string, string>();
        var fields = new Dictionary<string, string> { ["metadata.name"] = node.Metadata?.Name ?? string.Empty };
        return (term.MatchExpressions ?? []).All(r => Requirement(r, labels))
            && (term.MatchFields ?? []).All(r => Requirement(r, fields));
    }

    private static bool Requirement(V1NodeSelectorRequirement r, IDictionary<string, string> values)
    {
        var has = values.TryGetValue(r.Key, out var actual);
        var wanted = r.Values ?? [];
        return r.OperatorProperty switch
        {
            "In" => has && wanted.Contains(actual!),
            "NotIn" => !has || !wanted.Contains(actual!),
            "Exists" => has,
            "DoesNotExist" => !has,
            "Gt" => has && long.TryParse(actual, NumberStyles.Integer, CultureInfo.InvariantCulture, out var a) && wanted.Count == 1
                && long.TryParse(wanted[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var g) && a > g,
            "Lt" => has && long.TryParse(actual, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) && wanted.Count == 1
                && long.TryParse(wanted[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) && b < l,
            _ => false,
        };
    }
}
