using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Skiff.Cli.Printing;

/// <summary>
/// YAML as kubectl prints it (sigs.k8s.io/yaml over go-yaml v2): keys sorted, 2-space indent, list items at the
/// parent key's indentation, strings that would read back as another type double-quoted, strings that cannot be
/// plain single-quoted, and multi-line strings as literal blocks.
/// </summary>
public static partial class GoYaml
{
    public static string Serialize(JsonNode? node)
    {
        var text = new StringBuilder();
        switch (node)
        {
            case JsonObject { Count: > 0 } obj:
                WriteMap(text, obj, 0);
                break;
            case JsonArray { Count: > 0 } array:
                WriteList(text, array, 0);
                break;
            default:
                text.Append(Scalar(node, 0)).Append('\n');
                break;
        }

        return text.ToString();
    }

    private static void WriteMap(StringBuilder text, JsonObject obj, int indent)
    {
        var first = true;
        foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!first)
            {
                text.Append(' ', indent);
            }

            first = false;
            text.Append(QuoteString(key, indent)).Append(':');
            WriteValueAfterKey(text, value, indent);
        }
    }

    private static void WriteValueAfterKey(StringBuilder text, JsonNode? value, int indent)
    {
        switch (value)
        {
            case JsonObject { Count: > 0 } child:
                text.Append('\n').Append(' ', indent + 2);
                WriteMap(text, child, indent + 2);
                break;
            case JsonArray { Count: > 0 } list:
                text.Append('\n').Append(' ', indent);
                WriteList(text, list, indent);
                break;
            default:
                text.Append(' ').Append(Scalar(value, indent + 2)).Append('\n');
                break;
        }
    }

    private static void WriteList(StringBuilder text, JsonArray list, int indent)
    {
        var first = true;
        foreach (var item in list)
        {
            if (!first)
            {
                text.Append(' ', indent);
            }

            first = false;
            text.Append("- ");
            switch (item)
            {
                case JsonObject { Count: > 0 } obj:
                    WriteMap(text, obj, indent + 2);
                    break;
                case JsonArray { Count: > 0 } inner:
                    WriteList(text, inner, indent + 2);
                    break;
                default:
                    text.Append(Scalar(item, indent + 2)).Append('\n');
                    break;
            }
        }
    }

    private static string Scalar(JsonNode? node, int indent) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => QuoteString(v.GetValue<string>(), indent),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => v.ToJsonString(),
            _ => "null",
        },
        _ => "null",
    };

    /// <summary>How go-yaml v2 writes a string scalar at the given block indentation.</summary>
    public static string QuoteString(string s, int indent)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.Contains('\n', StringComparison.Ordinal))
        {
            return Literal(s, indent);
        }

        if (ResolvesToNonString(s))
        {
            return DoubleQuoted(s);
        }

        if (!PlainAllowed(s))
        {
            return s.Any(c => c < ' ' || c == '\u007f') ? DoubleQuoted(s) : "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";
        }

        return s;
    }

    private static string Literal(string s, int indent)
    {
        var chomp = s.EndsWith('\n') ? (s.EndsWith("\n\n", StringComparison.Ordinal) ? "+" : string.Empty) : "-";
        var body = s.EndsWith('\n') ? s[..^1] : s;
        var header = (body.StartsWith(' ') ? "|" + 2 : "|") + chomp;
        var text = new StringBuilder(header);
        foreach (var line in body.Split('\n'))
        {
            text.Append('\n');
            if (line.Length > 0)
            {
                text.Append(' ', indent).Append(line);
            }
        }

        return text.ToString();
    }

    private static string DoubleQuoted(string s)
    {
        var text = new StringBuilder("\"");
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\t': text.Append("\\t"); break;
                case '\r': text.Append("\\r"); break;
                case < ' ': text.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }

        return text.Append('"').ToString();
    }

    /// <summary>YAML 1.1 resolution as go-yaml v2 does it: null, bools, ints, floats, timestamps, merge key.</summary>
    internal static bool ResolvesToNonString(string s) =>
        s.Length == 0 || s is "~" or "null" or "Null" or "NULL" or "<<"
        || OldBool().IsMatch(s) || Int().IsMatch(s) || Float().IsMatch(s) || Timestamp().IsMatch(s);

    private static bool PlainAllowed(string s)
    {
        if (s.StartsWith("---", StringComparison.Ordinal) || s.StartsWith("...", StringComparison.Ordinal))
        {
            return false;
        }

        if (s[0] is ' ' || s[^1] is ' ')
        {
            return false;
        }

        if ("#,[]{}&*!|>'\"%@`".Contains(s[0], StringComparison.Ordinal))
        {
            return false;
        }

        if (s[0] is '-' or '?' or ':' && (s.Length == 1 || s[1] == ' '))
        {
            return false;
        }

        if (s[^1] == ':' || s.Contains(": ", StringComparison.Ordinal) || s.Contains(" #", StringComparison.Ordinal))
        {
            return false;
        }

        return !s.Any(c => c < ' ' || c == '\u007f' || c == '\uFEFF');
    }

    [GeneratedRegex("^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")]
    private static partial Regex OldBool();

    [GeneratedRegex(@"^[-+]?(0b[01_]+|0[0-7_]+|(0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(:[0-5]?[0-9])+)$")]
    private static partial Regex Int();

    [GeneratedRegex(@"^([-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|[-+]?[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+)$")]
    private static partial Regex Float();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ]|$)")]
    private static partial Regex Timestamp();
}
