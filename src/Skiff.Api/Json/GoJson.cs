using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Api.Json;

/// <summary>
/// JSON as Go's encoding/json writes unstructured data (<c>map[string]interface{}</c>): map keys sorted by bytes,
/// explicit nulls kept, empty objects and arrays as <c>{}</c>/<c>[]</c>, and Go's escaping (<c>&lt; &gt; &amp;</c>,
/// U+2028, U+2029 and control characters as \u00XX). kubectl prints objects this way (indented by 4, as
/// <c>json.MarshalIndent</c>); controllers write it where a client compares bytes (ControllerRevision data).
/// </summary>
public static class GoJson
{
    /// <summary><c>json.MarshalIndent(v, "", "    ")</c>, numbers as written.</summary>
    public static string Indented(JsonNode? node) => Write(node, indent: true, GoNumbers.AsWritten);

    /// <summary><c>json.Marshal(v)</c>; <see cref="GoNumbers.Float64"/> when Go decoded the numbers into float64 first.</summary>
    public static string Compact(JsonNode? node, GoNumbers numbers = GoNumbers.AsWritten) => Write(node, indent: false, numbers);

    /// <summary>Appends <paramref name="s"/> as a Go JSON string.</summary>
    public static void Quote(StringBuilder text, string s)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(s);
        text.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '<' or '>' or '&' or '\u2028' or '\u2029' or < ' ':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: text.Append(c); break;
            }
        }

        text.Append('"');
    }

    private static string Write(JsonNode? node, bool indent, GoNumbers numbers)
    {
        var text = new StringBuilder();
        Write(text, node, 0, indent, numbers);
        return text.ToString();
    }

    private static void Write(StringBuilder text, JsonNode? node, int depth, bool indent, GoNumbers numbers)
    {
        switch (node)
        {
            case null:
                text.Append("null");
                break;
            case JsonObject obj when obj.Count == 0:
                text.Append("{}");
                break;
            case JsonObject obj:
                text.Append('{');
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    text.Append(first ? string.Empty : ",");
                    first = false;
                    NewLine(text, depth + 1, indent);
                    Quote(text, key);
                    text.Append(indent ? ": " : ":");
                    Write(text, value, depth + 1, indent, numbers);
                }

                NewLine(text, depth, indent);
                text.Append('}');
                break;
            case JsonArray array when array.Count == 0:
                text.Append("[]");
                break;
            case JsonArray array:
                text.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    text.Append(i == 0 ? string.Empty : ",");
                    NewLine(text, depth + 1, indent);
                    Write(text, array[i], depth + 1, indent, numbers);
                }

                NewLine(text, depth, indent);
                text.Append(']');
                break;
            case JsonValue value:
                WriteValue(text, value, numbers);
                break;
        }
    }

    private static void WriteValue(StringBuilder text, JsonValue value, GoNumbers numbers)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                Quote(text, value.GetValue<string>());
                break;
            case JsonValueKind.True:
                text.Append("true");
                break;
            case JsonValueKind.False:
                text.Append("false");
                break;
            case JsonValueKind.Number when numbers == GoNumbers.Float64:
                // A float64 prints without exponent below 1e21 when it is whole (Go's 'f' format).
                var number = double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
                text.Append(Math.Abs(number) < 1e21 && number == Math.Floor(number)
                    ? number.ToString("0", CultureInfo.InvariantCulture)
                    : number.ToString("R", CultureInfo.InvariantCulture));
                break;
            case JsonValueKind.Number:
                text.Append(value.ToJsonString());
                break;
            default:
                text.Append("null");
                break;
        }
    }

    private static void NewLine(StringBuilder text, int depth, bool indent)
    {
        if (indent)
        {
            text.Append('\n').Append(' ', depth * 4);
        }
    }
}
