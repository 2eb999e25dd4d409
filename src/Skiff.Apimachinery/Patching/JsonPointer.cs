namespace Skiff.Apimachinery.Patching;

/// <summary>An RFC 6901 JSON pointer split into unescaped reference tokens (<c>~1</c> → <c>/</c>, <c>~0</c> → <c>~</c>).</summary>
internal readonly record struct JsonPointer(string Text, IReadOnlyList<string> Tokens)
{
    public bool IsRoot => Tokens.Count == 0;

    public static JsonPointer Parse(string text)
    {
        if (text.Length == 0)
        {
            return new JsonPointer(text, []);
        }

        if (text[0] != '/')
        {
            throw PatchException.Unprocessable($"JSON pointer {text} must start with '/'");
        }

        var tokens = text[1..].Split('/').Select(Unescape).ToArray();
        return new JsonPointer(text, tokens);
    }

    public JsonPointer Parent() => new(Text[..Text.LastIndexOf('/')], Tokens.Take(Tokens.Count - 1).ToArray());

    public string Last => Tokens[^1];

    /// <summary>True when this pointer names <paramref name="other"/> or a place inside it.</summary>
    public bool IsInside(JsonPointer other) =>
        Tokens.Count > other.Tokens.Count && other.Tokens.SequenceEqual(Tokens.Take(other.Tokens.Count));

    private static string Unescape(string token)
    {
        for (var i = 0; i < token.Length; i++)
        {
            if (token[i] == '~' && (i + 1 >= token.Length || (token[i + 1] != '0' && token[i + 1] != '1')))
            {
                throw PatchException.Unprocessable($"invalid JSON pointer escape in {token}");
            }
        }

        return token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
    }
}
