using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Controllers.History;

/// <summary>JSON as Go's encoding/json writes a <c>map[string]interface{}</c>: compact, keys sorted by bytes, explicit
/// nulls kept, numbers as float64 prints them, and <c>&lt; &gt; &amp;</c> U+2028 U+2029 escaped as \u00XX.</summary>
public static class GoJson
{
    public static string Write(JsonNode? node)
    {
        var text = new StringBuilder();
        Append(text, node);
        return text.ToString();
    }

    private static void Append(StringBuilder text, JsonNode? node)
    {
        switch (node)
        {
            case null:
                text.Append("null");
                break;
            case JsonObject obj:
                text.Append('{');
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    text.Append(first ? string.Empty : ",");
                    first = false;
                    AppendString(text, key);
                    text.Append(':');
                    Append(text, value);
                }

                text.Append('}');
                break;
            case JsonArray array:
                text.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    text.Append(i == 0 ? string.Empty : ",");
                    Append(text, array[i]);
                }

                text.Append(']');
                break;
            case JsonValue value:
                AppendValue(text, value);
                break;
        }
    }

    private static void AppendValue(StringBuilder text, JsonValue value)
    {
        var element = JsonSerializer.SerializeToElement(value);
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                AppendString(text, element.GetString()!);
                break;
            case JsonValueKind.Number:
                // Go decodes numbers into float64 and prints them with 'f' below 1e21.
                var number = element.GetDouble();
                text.Append(Math.Abs(number) < 1e21 && number == Math.Floor(number)
                    ? number.ToString("0", CultureInfo.InvariantCulture)
                    : number.ToString("R", CultureInfo.InvariantCulture));
                break;
            default:
                text.Append(element.GetRawText());
                break;
        }
    }

    private static void AppendString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var ch in value)
        {
            switch (ch)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029' or < ' ':
                    text.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: text.Append(ch); break;
            }
        }

        text.Append('"');
    }
}
