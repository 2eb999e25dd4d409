using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// Parses a patch body into a <see cref="JsonNode"/> the way Go decodes JSON into a map: a key given twice keeps its
/// last value. (<c>JsonNode.Parse</c> throws on a
/// repeated key when the object is first read; the API server accepts it and names it only under
/// <c>fieldValidation=Strict|Warn</c>.)
/// </summary>
internal static class TolerantJson
{
    /// <summary>The parsed body; throws <see cref="JsonException"/> on malformed JSON.</summary>
    public static JsonNode? Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        return Build(JsonElement.ParseValue(ref reader));
    }

    private static JsonNode? Build(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var property in element.EnumerateObject())
                {
                    obj[property.Name] = Build(property.Value);
                }

                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                foreach (var item in element.EnumerateArray())
                {
                    array.Add(Build(item));
                }

                return array;
            case JsonValueKind.Null:
                return null;
            default:
                // The element belongs to a document ParseValue made for this call alone: it can be kept.
                return JsonValue.Create(element);
        }
    }
}
