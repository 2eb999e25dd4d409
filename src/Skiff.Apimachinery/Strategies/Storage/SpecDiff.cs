using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace Skiff.Apimachinery.Strategies.Storage;

/// <summary>
/// The diff upstream appends to "spec is immutable after creation" messages (go-cmp's cmp.Diff of the old and new
/// spec), shaped the same way: the type name, then "-" for each old top-level field value and "+" for the new one.
/// Values are shown as JSON; go-cmp shows Go literals, so only the shape and the field names match upstream's.
/// </summary>
internal static class SpecDiff
{
    public static string Describe(string typeName, object? old, object? updated)
    {
        var before = ToObject(old);
        var after = ToObject(updated);
        var text = new StringBuilder("  ").Append(typeName).Append("{\n");
        foreach (var key in before.Select(p => p.Key).Union(after.Select(p => p.Key)).Order(StringComparer.Ordinal))
        {
            var was = before[key]?.ToJsonString();
            var now = after[key]?.ToJsonString();
            if (was == now)
            {
                continue;
            }

            var field = char.ToUpperInvariant(key[0]) + key[1..];
            text.Append("- \t").Append(field).Append(": ").Append(was ?? "nil").Append(",\n");
            text.Append("+ \t").Append(field).Append(": ").Append(now ?? "nil").Append(",\n");
        }

        return text.Append("  }\n").ToString();
    }

    private static JsonObject ToObject(object? value) =>
        value is null ? [] : JsonNode.Parse(KubernetesJson.Serialize(value)) as JsonObject ?? [];
}
