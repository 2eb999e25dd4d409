using k8s.Models;

namespace Skiff.Api.Pods;

/// <summary>Kubernetes' <c>GetPodQOS</c>: BestEffort, Burstable or Guaranteed from the cpu and memory requests and
/// limits of all containers (init containers included).</summary>
public static class PodQos
{
    public const string Guaranteed = "Guaranteed";
    public const string Burstable = "Burstable";
    public const string BestEffort = "BestEffort";

    private static readonly string[] ComputeResources = ["cpu", "memory"];

    /// <summary>The pod's class: <c>status.qosClass</c> once the API server set it (it never changes), else computed.</summary>
    public static string ClassOf(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return string.IsNullOrEmpty(pod.Status?.QosClass) ? Compute(pod.Spec) : pod.Status.QosClass;
    }

    public static string Compute(V1PodSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var requests = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var limits = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var guaranteed = true;
        foreach (var container in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
        {
            Sum(container.Resources?.Requests, requests);
            var limitsFound = Sum(container.Resources?.Limits, limits);
            if (!ComputeResources.All(limitsFound.Contains))
            {
                guaranteed = false;
            }
        }

        if (requests.Count == 0 && limits.Count == 0)
        {
            return BestEffort;
        }

        if (guaranteed && requests.All(r => limits.TryGetValue(r.Key, out var limit) && limit == r.Value) && requests.Count == limits.Count)
        {
            return Guaranteed;
        }

        return Burstable;
    }

    /// <summary>Adds the positive cpu/memory quantities into <paramref name="totals"/>; returns the names found.</summary>
    private static HashSet<string> Sum(IDictionary<string, ResourceQuantity>? quantities, Dictionary<string, decimal> totals)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, quantity) in quantities ?? new Dictionary<string, ResourceQuantity>())
        {
            if (!ComputeResources.Contains(name) || quantity is null)
            {
                continue;
            }

            var value = quantity.ToDecimal();
            if (value > 0)
            {
                found.Add(name);
                totals[name] = totals.GetValueOrDefault(name) + value;
            }
        }

        return found;
    }
}
