using k8s.Models;

namespace Skiff.Apimachinery.Strategies.Scheduling;

/// <summary>
/// Upstream's reserved priority classes (pkg/apis/scheduling): the two system classes the API server creates at
/// start, the <c>system-</c> prefix reserved for them, and the highest value a user-defined class may have.
/// </summary>
public static class SystemPriorityClasses
{
    public const string Prefix = "system-";

    public const int HighestUserDefinablePriority = 1_000_000_000;

    public const int SystemCriticalPriority = 2 * HighestUserDefinablePriority;

    public const string ClusterCritical = "system-cluster-critical";

    public const string NodeCritical = "system-node-critical";

    /// <summary>Fresh copies of the two system classes, as upstream's bootstrap post-start hook creates them.</summary>
    public static IReadOnlyList<V1PriorityClass> Create() =>
    [
        new()
        {
            ApiVersion = "scheduling.k8s.io/v1", Kind = "PriorityClass",
            Metadata = new V1ObjectMeta { Name = NodeCritical },
            Value = SystemCriticalPriority + 1000,
            Description = "Used for system critical pods that must not be moved from their current node.",
        },
        new()
        {
            ApiVersion = "scheduling.k8s.io/v1", Kind = "PriorityClass",
            Metadata = new V1ObjectMeta { Name = ClusterCritical },
            Value = SystemCriticalPriority,
            Description = "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
        },
    ];

    /// <summary>Upstream's IsKnownSystemPriorityClass: null when the name, value and globalDefault are one of the
    /// system classes, else why not.</summary>
    public static string? WhyNotKnown(string name, int value, bool globalDefault)
    {
        foreach (var known in Create())
        {
            if (known.Metadata.Name != name)
            {
                continue;
            }

            if (known.Value != value)
            {
                return $"value of {name} PriorityClass must be {known.Value}";
            }

            var knownDefault = known.GlobalDefault ?? false;
            return knownDefault != globalDefault ? $"globalDefault of {name} PriorityClass must be {(knownDefault ? "true" : "false")}" : null;
        }

        return $"{name} is not a known system priority class";
    }
}
