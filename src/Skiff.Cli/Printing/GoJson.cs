using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Cli.Printing;

/// <summary>
/// JSON as kubectl prints unstructured objects: Go's <c>json.MarshalIndent</c> with 4 spaces, map keys sorted,
/// and Go's escaping (<c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c> as \u003c, \u003e, \u0026).
/// </summary>
public static class GoJson
{
    public static string Indented(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(text, node, 0, indent: true);
        return text.ToString();
    }

    public static string Compact(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(text, node, 0, indent: false);
        return text.ToString();
    }

    private static void Write(StringBuilder text, JsonNode? node, int depth, bool indent)
    {
        switch (node)
        {
            case null:
                text.Append("null");
                break;
            case JsonObject obj:
                if (obj.Count == 0)
                {
                    text.Append("{}");
                    break;
                }

                text.Append('{');
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        text.Append(',');
                    }

                    first = false;
                    NewLine(text, depth + 1, indent);
                    Quote(text, key);
                    text.Append(indent ? ": " : ":");
                    Write(text, value, depth + 1, indent);
                }

                NewLine(text, depth, indent);
                text.Append('}');
                break;
            case JsonArray array:
                if (array.Count == 0)
                {
                    text.Append("[]");
                    break;
                }

                text.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        text.Append(',');
                    }

                    NewLine(text, depth + 1, indent);
                    Write(text, array[i], depth + 1, indent);
                }

                NewLine(text, depth, indent);
                text.Append(']');
                break;
            case JsonValue value:
                WriteValue(text, value);
                break;
        }
    }

    private static void WriteValue(StringBuilder text, JsonValue value)
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
}
