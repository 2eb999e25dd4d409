using System.Globalization;

namespace Skiff.Scheduler.Framework;

/// <summary>
/// Why no node fits a pod, node by node, and the FailedScheduling message built from it in upstream's shape:
/// <c>0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.</c> (each reason counted, sorted),
/// followed by the preemption outcome (<c> preemption: 0/3 nodes are available: 3 No preemption victims found for
/// incoming pod.</c>).
/// </summary>
public sealed class Diagnosis
{
    public Diagnosis(int nodeCount, IReadOnlyDictionary<string, FilterFailure> failuresByNode)
    {
        NodeCount = nodeCount;
        FailuresByNode = failuresByNode;
    }

    public int NodeCount { get; }

    /// <summary>The first failing filter's verdict, per node name.</summary>
    public IReadOnlyDictionary<string, FilterFailure> FailuresByNode { get; }

    /// <summary>Set when a PreFilter plugin turned the pod away before any node was looked at: upstream then gives
    /// its reasons alone, not counted per node (<c>0/3 nodes are available: pod has unbound immediate
    /// PersistentVolumeClaims.</c>).</summary>
    public string? PreFilterMessage { get; init; }

    /// <summary>Set by preemption when it found no victims (the text after <c>preemption: </c>).</summary>
    public string? PostFilterMessage { get; set; }

    public string Message
    {
        get
        {
            if (NodeCount == 0)
            {
                return "no nodes available to schedule pods";
            }

            if (PreFilterMessage is not null)
            {
                var turnedAway = string.Create(CultureInfo.InvariantCulture, $"0/{NodeCount} nodes are available: {PreFilterMessage}.");
                return PostFilterMessage is null ? turnedAway : $"{turnedAway} {PostFilterMessage}.";
            }

            var histogram = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var failure in FailuresByNode.Values)
            {
                foreach (var reason in failure.Reasons)
                {
                    histogram[reason] = histogram.GetValueOrDefault(reason) + 1;
                }
            }

            var message = Histogram(NodeCount, histogram);
            return PostFilterMessage is null ? message : $"{message} {PostFilterMessage}.";
        }
    }

    /// <summary><c>0/N nodes are available: 2 a, 1 b.</c>, the "count reason" strings sorted as upstream does.</summary>
    public static string Histogram(int nodeCount, IReadOnlyDictionary<string, int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var parts = counts.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Value} {kv.Key}")).ToList();
        parts.Sort(StringComparer.Ordinal);
        return string.Create(CultureInfo.InvariantCulture, $"0/{nodeCount} nodes are available: {string.Join(", ", parts)}.");
    }
}
