using System.Text.Json.Nodes;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// <c>$setElementOrder/&lt;list&gt;</c>: the elements the patch names come in the patch's order; elements only the
/// server has keep their place relative to them, by their position in the list before the patch (upstream's
/// merge of the two sorted runs).
/// </summary>
internal static class ElementOrder
{
    public static JsonArray Apply(JsonArray merged, JsonArray order, JsonArray? before, string? mergeKey)
    {
        var orderKeys = order.Select(item => KeyOf(item, mergeKey)).ToList();
        var serverOrder = (before ?? []).Select(item => KeyOf(item, mergeKey)).ToList();
        var items = merged.Select(item => item).ToList();
        merged.Clear();

        var named = items
            .Where(item => IndexOf(orderKeys, KeyOf(item, mergeKey)) >= 0)
            .OrderBy(item => IndexOf(orderKeys, KeyOf(item, mergeKey)))
            .ToList();
        var serverOnly = items.Where(item => IndexOf(orderKeys, KeyOf(item, mergeKey)) < 0).ToList();

        var result = new JsonArray();
        int i = 0, j = 0;
        while (i < named.Count || j < serverOnly.Count)
        {
            if (i >= named.Count)
            {
                result.Add(serverOnly[j++]);
            }
            else if (j >= serverOnly.Count)
            {
                result.Add(named[i++]);
            }
            else
            {
                var left = IndexOf(serverOrder, KeyOf(named[i], mergeKey));
                var right = IndexOf(serverOrder, KeyOf(serverOnly[j], mergeKey));
                result.Add(left >= 0 && right >= 0 && right < left ? serverOnly[j++] : named[i++]);
            }
        }

        return result;
    }

    private static JsonNode? KeyOf(JsonNode? item, string? mergeKey) =>
        mergeKey is not null && item is JsonObject map ? map[mergeKey] : item;

    private static int IndexOf(List<JsonNode?> keys, JsonNode? key)
    {
        for (var k = 0; k < keys.Count; k++)
        {
            if (JsonNode.DeepEquals(keys[k], key))
            {
                return k;
            }
        }

        return -1;
    }
}
