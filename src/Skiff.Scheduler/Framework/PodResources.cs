using k8s.Models;

namespace Skiff.Scheduler.Framework;

/// <summary>
/// What a pod asks of a node, as upstream's NodeResourcesFit computes it: the sum of its containers' requests,
/// raised to the largest single init container's request where that is larger (init containers run one at a time;
/// restartable sidecars add up), plus the pod overhead. CPU in millicores, memory in bytes, others in units.
/// </summary>
public sealed class PodResources
{
    public const string Cpu = "cpu";
    public const string Memory = "memory";

    private PodResources(Dictionary<string, long> amounts) => Amounts = amounts;

    public IReadOnlyDictionary<string, long> Amounts { get; }

    public long MilliCpu => Amounts.GetValueOrDefault(Cpu);

    public long MemoryBytes => Amounts.GetValueOrDefault(Memory);

    public static PodResources Of(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var sum = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            Add(sum, container.Resources?.Requests);
        }

        var sidecars = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var init in pod.Spec?.InitContainers ?? [])
        {
            if (init.RestartPolicy == "Always")
            {
                Add(sum, init.Resources?.Requests); // a sidecar runs beside the containers
                Add(sidecars, init.Resources?.Requests);
                continue;
            }

            var initNeeds = new Dictionary<string, long>(sidecars, StringComparer.Ordinal);
            Add(initNeeds, init.Resources?.Requests);
            foreach (var (name, amount) in initNeeds)
            {
                if (amount > sum.GetValueOrDefault(name))
                {
                    sum[name] = amount;
                }
            }
        }

        Add(sum, pod.Spec?.Overhead);
        return new PodResources(sum);
    }

    /// <summary>A quantity in the unit the scheduler counts: millicores for cpu, whole units otherwise.</summary>
    public static long Amount(string name, ResourceQuantity quantity)
    {
        ArgumentNullException.ThrowIfNull(quantity);
        var value = quantity.ToDecimal();
        return name == Cpu ? (long)Math.Ceiling(value * 1000) : (long)Math.Ceiling(value);
    }

    private static void Add(Dictionary<string, long> into, IDictionary<string, ResourceQuantity>? quantities)
    {
        foreach (var (name, quantity) in quantities ?? new Dictionary<string, ResourceQuantity>())
        {
            if (quantity is not null)
            {
                into[name] = into.GetValueOrDefault(name) + Amount(name, quantity);
            }
        }
    }
}
