using System.Globalization;

namespace Skiff.Scheduler;

/// <summary>
/// Upstream's FitError message: <c>0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.</c> —
/// each reason counted over the nodes, the "count reason" strings sorted as Go's sort.Strings does. Skiff has no preemption yet, so the sentence that upstream's
/// PostFilter adds ("preemption: ...") is not claimed.
/// </summary>
public static class FailureMessage
{
    public static string Format(int nodes, IEnumerable<IReadOnlyList<string>> reasonsPerNode)
    {
        ArgumentNullException.ThrowIfNull(reasonsPerNode);
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var reasons in reasonsPerNode)
        {
            foreach (var reason in reasons.Distinct(StringComparer.Ordinal))
            {
                counts[reason] = counts.GetValueOrDefault(reason) + 1;
            }
        }

        if (nodes == 0)
        {
            return "no nodes available to schedule pods";
        }

        var parts = counts.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Value} {c.Key}")).Order(StringComparer.Ordinal);
        return string.Create(CultureInfo.InvariantCulture, $"0/{nodes} nodes are available: ") + string.Join(", ", parts) + ".";
    }
}
