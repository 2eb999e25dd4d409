using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Skiff.Apimachinery.Validation;

/// <summary>
/// How Go's fmt prints values that kube-apiserver puts into error messages: <see cref="Quote"/> is <c>%q</c>
/// (<c>strconv.Quote</c>) and <see cref="Value"/> is <c>%v</c> of JSON decoded into <c>interface{}</c> with integers
/// kept as int64, e.g. <c>map[spec:map[containers:[map[imagee:nginx name:main]]]]</c> (map keys sorted).
/// </summary>
public static class GoFormat
{
    /// <summary>Go's <c>strconv.Quote</c>: double quotes, with <c>\"</c>, <c>\\</c>, the C escapes and
    /// <c>\x</c>/<c>\u</c>/<c>\U</c> for characters Go does not consider printable.</summary>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var rune in text.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\a': builder.Append("\\a"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\v': builder.Append("\\v"); break;
                case < ' ' or 0x7F:
                    builder.Append("\\x").Append(rune.Value.ToString("x2", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (rune.Value == ' ' || IsPrint(rune))
                    {
                        builder.Append(rune.ToString());
                    }
                    else if (rune.Value < 0x10000)
                    {
                        builder.Append("\\u").Append(rune.Value.ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append("\\U").Append(rune.Value.ToString("x8", CultureInfo.InvariantCulture));
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>
    /// Compact JSON escaped as Go's encoding/json escapes it (what the API server prints when it shows a patched
    /// object): quotes and backslashes as <c>\"</c> and <c>\\</c>, <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c>, U+2028 and U+2029
    /// as <c>\u003c</c>-style escapes, other characters as they are. Member order is kept.
    /// </summary>
    public static string Json(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        var root = JsonElement.ParseValue(ref reader);
        using var buffer = new MemoryStream(json.Length);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            root.WriteTo(writer);
        }

        // The relaxed encoder leaves these alone; they only occur inside strings, so replacing them is safe.
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)
            .Replace("<", "\\u003c", StringComparison.Ordinal)
            .Replace(">", "\\u003e", StringComparison.Ordinal)
            .Replace("&", "\\u0026", StringComparison.Ordinal)
            .Replace("\u2028", "\\u2028", StringComparison.Ordinal)
            .Replace("\u2029", "\\u2029", StringComparison.Ordinal);
    }

    /// <summary>Go's <c>%v</c> of <paramref name="json"/> decoded into <c>map[string]interface{}</c> the way the API
    /// server decodes patches (sigs.k8s.io/json: integers as int64, other numbers as float64, a repeated key keeps its
    /// last value).</summary>
    public static string Value(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        var root = JsonElement.ParseValue(ref reader);
        var builder = new StringBuilder();
        Append(builder, root);
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var entries = new SortedDictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    entries[property.Name] = property.Value;
                }

                builder.Append("map[");
                var first = true;
                foreach (var (key, value) in entries)
                {
                    if (!first)
                    {
                        builder.Append(' ');
                    }

                    first = false;
                    builder.Append(key).Append(':');
                    Append(builder, value);
                }

                builder.Append(']');
                break;
            case JsonValueKind.Array:
                builder.Append('[');
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (index++ > 0)
                    {
                        builder.Append(' ');
                    }

                    Append(builder, item);
                }

                builder.Append(']');
                break;
            case JsonValueKind.String:
                builder.Append(element.GetString());
                break;
            case JsonValueKind.Number:
                builder.Append(Number(element.GetRawText()));
                break;
            case JsonValueKind.True:
                builder.Append("true");
                break;
            case JsonValueKind.False:
                builder.Append("false");
                break;
            default:
                builder.Append("<nil>");
                break;
        }
    }

    // sigs.k8s.io/json keeps a literal without '.' that fits int64 as an int64; anything else is a float64.
    private static string Number(string literal)
    {
        if (!literal.Contains('.', StringComparison.Ordinal) &&
            long.TryParse(literal, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer.ToString(CultureInfo.InvariantCulture);
        }

        return Float(double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    /// <summary>Go's <c>%v</c> of a float64: the shortest digits that round-trip, in <c>%e</c> form when the decimal
    /// exponent is below -4 or at least 6 (e.g. <c>1e+06</c>, <c>0.5</c>, <c>123456</c>).</summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0" : "0";
        }

        // "R" gives the shortest digits that round-trip, as Go's strconv does.
        var (digits, exponent) = Decompose(Math.Abs(value).ToString("R", CultureInfo.InvariantCulture));
        var sign = value < 0 ? "-" : string.Empty;
        if (exponent < -4 || exponent >= 6)
        {
            var mantissa = digits.Length == 1 ? digits : digits[..1] + "." + digits[1..];
            var exponentText = Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
            return $"{sign}{mantissa}e{(exponent < 0 ? '-' : '+')}{exponentText}";
        }

        string text;
        if (exponent < 0)
        {
            text = "0." + new string('0', -exponent - 1) + digits;
        }
        else if (digits.Length <= exponent + 1)
        {
            text = digits + new string('0', exponent + 1 - digits.Length);
        }
        else
        {
            text = digits[..(exponent + 1)] + "." + digits[(exponent + 1)..];
        }

        return sign + text;
    }

    // "1.25E+21" / "0.0001" / "123.5" -> significant digits without leading/trailing zeros and the decimal exponent of
    // the first digit.
    private static (string Digits, int Exponent) Decompose(string text)
    {
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var integerPart = dot < 0 ? text : text[..dot];
        var fraction = dot < 0 ? string.Empty : text[(dot + 1)..];
        var all = integerPart + fraction;
        var leading = all.Length - all.TrimStart('0').Length;
        var digits = all.Trim('0');
        return (digits.Length == 0 ? "0" : digits, exponent + integerPart.Length - 1 - leading);
    }

    private static bool IsPrint(Rune rune) => Rune.GetUnicodeCategory(rune) is not (
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or
        UnicodeCategory.OtherNotAssigned or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or
        UnicodeCategory.ParagraphSeparator);
}
