using k8s.Models;

namespace Skiff.Api.Quota;

/// <summary>Arithmetic on resource lists (upstream's quota.Add, Subtract, LessThanOrEqual) keeping Kubernetes' text form.</summary>
public static class Quantities
{
    /// <summary>The canonical text of <paramref name="value"/> in the format of <paramref name="like"/> (e.g. <c>500m</c>, <c>128Mi</c>, <c>2</c>).</summary>
    public static ResourceQuantity Of(decimal value, ResourceQuantity? like = null) =>
        new(new ResourceQuantity(value, 0, like?.Format ?? ResourceQuantity.SuffixFormat.DecimalSI).CanonicalizeString());

    public static decimal ValueOf(IDictionary<string, ResourceQuantity>? list, string name) =>
        list is not null && list.TryGetValue(name, out var q) && q is not null ? q.ToDecimal() : 0m;

    /// <summary>The sum of two lists, key by key.</summary>
    public static Dictionary<string, ResourceQuantity> Add(IDictionary<string, ResourceQuantity>? a, IDictionary<string, ResourceQuantity>? b)
    {
        var result = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        foreach (var (key, value) in a ?? new Dictionary<string, ResourceQuantity>())
        {
            result[key] = value;
        }

        foreach (var (key, value) in b ?? new Dictionary<string, ResourceQuantity>())
        {
            result[key] = result.TryGetValue(key, out var existing) ? Of(existing.ToDecimal() + value.ToDecimal(), existing) : value;
        }

        return result;
    }

    /// <summary>Whether two lists hold the same keys with equal amounts.</summary>
    public static bool Equal(IDictionary<string, ResourceQuantity>? a, IDictionary<string, ResourceQuantity>? b)
    {
        a ??= new Dictionary<string, ResourceQuantity>();
        b ??= new Dictionary<string, ResourceQuantity>();
        return a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && other is not null && other.ToDecimal() == kv.Value.ToDecimal());
    }

    /// <summary><c>a=1,b=2</c> sorted by name, as upstream's quota messages print a list.</summary>
    public static string PrettyPrint(IDictionary<string, ResourceQuantity> list) =>
        string.Join(",", list.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
}
