using k8s.Models;

namespace Skiff.Scheduler.Cache;

/// <summary>
/// An amount of the resources the scheduler accounts for (upstream's framework.Resource): CPU in millicores, memory
/// and ephemeral storage in bytes, and extended resources by name. Mutable for summing without allocation.
/// </summary>
public sealed class Resources
{
    public long MilliCpu { get; set; }

    public long Memory { get; set; }

    public long EphemeralStorage { get; set; }

    /// <summary>Extended resources (e.g. <c>nvidia.com/gpu</c>), null while none is used.</summary>
    public Dictionary<string, long>? Scalar { get; private set; }

    public void Add(Resources other)
    {
        ArgumentNullException.ThrowIfNull(other);
        MilliCpu += other.MilliCpu;
        Memory += other.Memory;
        EphemeralStorage += other.EphemeralStorage;
        if (other.Scalar is not null)
        {
            foreach (var (k, v) in other.Scalar)
            {
                AddScalar(k, v);
            }
        }
    }

    public void Subtract(Resources other)
    {
        ArgumentNullException.ThrowIfNull(other);
        MilliCpu -= other.MilliCpu;
        Memory -= other.Memory;
        EphemeralStorage -= other.EphemeralStorage;
        if (other.Scalar is not null)
        {
            foreach (var (k, v) in other.Scalar)
            {
                AddScalar(k, -v);
            }
        }
    }

    /// <summary>Makes this amount equal to <paramref name="other"/>.</summary>
    public void CopyFrom(Resources other)
    {
        ArgumentNullException.ThrowIfNull(other);
        MilliCpu = other.MilliCpu;
        Memory = other.Memory;
        EphemeralStorage = other.EphemeralStorage;
        Scalar = other.Scalar is null ? null : new Dictionary<string, long>(other.Scalar, StringComparer.Ordinal);
    }

    /// <summary>Each amount the larger of this and <paramref name="other"/> (the init-container rule).</summary>
    public void MaxWith(Resources other)
    {
        ArgumentNullException.ThrowIfNull(other);
        MilliCpu = Math.Max(MilliCpu, other.MilliCpu);
        Memory = Math.Max(Memory, other.Memory);
        EphemeralStorage = Math.Max(EphemeralStorage, other.EphemeralStorage);
        if (other.Scalar is not null)
        {
            foreach (var (k, v) in other.Scalar)
            {
                Scalar ??= [];
                Scalar[k] = Math.Max(Scalar.GetValueOrDefault(k), v);
            }
        }
    }

    public long ScalarOf(string name) => Scalar?.GetValueOrDefault(name) ?? 0;

    public void AddScalar(string name, long value)
    {
        Scalar ??= [];
        Scalar[name] = Scalar.GetValueOrDefault(name) + value;
    }

    /// <summary>Reads a resource list (requests, allocatable); <c>pods</c> is not part of it (counted apart).</summary>
    public static Resources From(IDictionary<string, ResourceQuantity>? list)
    {
        var result = new Resources();
        if (list is null)
        {
            return result;
        }

        foreach (var (name, quantity) in list)
        {
            switch (name)
            {
                case "cpu":
                    result.MilliCpu = (long)Math.Ceiling(quantity.ToDecimal() * 1000m);
                    break;
                case "memory":
                    result.Memory = (long)Math.Ceiling(quantity.ToDecimal());
                    break;
                case "ephemeral-storage":
                    result.EphemeralStorage = (long)Math.Ceiling(quantity.ToDecimal());
                    break;
                case "pods":
                    break;
                default:
                    if (IsExtended(name))
                    {
                        result.AddScalar(name, (long)Math.Ceiling(quantity.ToDecimal()));
                    }

                    break;
            }
        }

        return result;
    }

    /// <summary>Extended resources are the fully-qualified names outside <c>kubernetes.io/</c>, plus hugepages.</summary>
    private static bool IsExtended(string name) =>
        name.StartsWith("hugepages-", StringComparison.Ordinal) ||
        (name.Contains('/', StringComparison.Ordinal) && !name.StartsWith("kubernetes.io/", StringComparison.Ordinal));
}
