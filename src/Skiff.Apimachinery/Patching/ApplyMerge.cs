using System.Text.Json.Nodes;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// Merges an applied configuration into an object: objects merge field by field, associative lists merge element by
/// element on their keys (new elements are appended), set-like lists gain the applied values, everything else is
/// replaced. A null in the applied configuration removes the field.
/// </summary>
internal static class ApplyMerge
{
    public static void Into(JsonObject target, JsonObject applied, Schema schema)
    {
        foreach (var (key, value) in applied)
        {
            if (value is null)
            {
                target.Remove(key);
                continue;
            }

            var child = schema.Child(key);
            target.TryGetPropertyValue(key, out var existing);
            switch (value)
            {
                case JsonObject map when existing is JsonObject current && map.Count > 0:
                    Into(current, map, child);
                    break;
                case JsonArray list when existing is JsonArray current && ObjectFields.IsAssociative(list, child.Strategy, out var keys)
                                                                       && ObjectFields.IsAssociative(current, child.Strategy, out _):
                    MergeAssociative(current, list, keys, child);
                    break;
                case JsonArray list when existing is JsonArray current && child.Strategy is { Merge: true, MergeKey: null }:
                    foreach (var item in list.Where(item => !current.Any(c => JsonNode.DeepEquals(c, item))))
                    {
                        current.Add(item?.DeepClone());
                    }

                    break;
                default:
                    target[key] = value.DeepClone();
                    break;
            }
        }
    }

    private static void MergeAssociative(JsonArray current, JsonArray applied, IReadOnlyList<string> keys, Schema schema)
    {
        foreach (var item in applied.Cast<JsonObject>())
        {
            var key = PathElement.KeyOf(item, keys);
            var match = current.OfType<JsonObject>().FirstOrDefault(c => PathElement.KeyOf(c, keys) == key);
            if (match is null)
            {
                current.Add(item.DeepClone());
            }
            else
            {
                Into(match, item, schema);
            }
        }
    }
}
