namespace Skiff.Api.Selection;

/// <summary>A parsed field selector: <c>f=v</c>, <c>f==v</c>, <c>f!=v</c>, comma means AND (values may be empty).</summary>
public sealed class FieldSelector
{
    private sealed record Requirement(string Field, bool Equal, string Value);

    private readonly IReadOnlyList<Requirement> _requirements;

    private FieldSelector(IReadOnlyList<Requirement> requirements) => _requirements = requirements;

    public static FieldSelector Everything { get; } = new([]);

    public bool IsEverything => _requirements.Count == 0;

    public IEnumerable<string> Fields => _requirements.Select(r => r.Field);

    /// <summary>The value an exact <c>metadata.name=x</c> requirement pins, if any (lets a list skip a scan).</summary>
    public string? ExactName => _requirements.FirstOrDefault(r => r.Equal && r.Field == "metadata.name")?.Value;

    public bool Matches(IReadOnlyDictionary<string, string> fields)
    {
        foreach (var r in _requirements)
        {
            var value = fields.GetValueOrDefault(r.Field) ?? string.Empty;
            if (string.Equals(value, r.Value, StringComparison.Ordinal) != r.Equal)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses a selector; throws <see cref="FormatException"/> on bad syntax.</summary>
    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<Requirement>();
        foreach (var clause in SplitUnescaped(text, ','))
        {
            var ne = IndexUnescaped(clause, "!=");
            var eq = IndexUnescaped(clause, "==");
            var single = IndexUnescaped(clause, "=");
            if (ne > 0)
            {
                requirements.Add(new Requirement(clause[..ne].Trim(), false, Unescape(clause[(ne + 2)..])));
            }
            else if (eq > 0)
            {
                requirements.Add(new Requirement(clause[..eq].Trim(), true, Unescape(clause[(eq + 2)..])));
            }
            else if (single > 0)
            {
                requirements.Add(new Requirement(clause[..single].Trim(), true, Unescape(clause[(single + 1)..])));
            }
            else
            {
                throw new FormatException($"invalid selector: '{text}'; can't understand '{clause}'");
            }
        }

        return new FieldSelector(requirements);
    }

    private static List<string> SplitUnescaped(string text, char separator)
    {
        var parts = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == separator)
            {
                parts.Add(text[start..i]);
                start = i + 1;
            }
        }

        parts.Add(text[start..]);
        return parts;
    }

    private static int IndexUnescaped(string text, string token)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (string.CompareOrdinal(text, i, token, 0, token.Length) == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static string Unescape(string value)
    {
        if (!value.Contains('\\', StringComparison.Ordinal))
        {
            return value;
        }

        var sb = new System.Text.StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                i++;
            }

            sb.Append(value[i]);
        }

        return sb.ToString();
    }
}
