namespace Skiff.Storage.Sqlite;

/// <summary>
/// The SQL range of keys starting with a prefix: <c>key &gt;= prefix AND key &lt; upper</c>. SQLite compares TEXT as
/// UTF-8 bytes, which orders like code points, so bumping the prefix's last character gives the exact upper bound.
/// </summary>
internal readonly record struct KeyRange(string Prefix, string? Upper)
{
    public static KeyRange ForPrefix(string prefix)
    {
        if (prefix.Length == 0)
        {
            return new KeyRange(prefix, null);
        }

        var last = prefix[^1];

        // Characters past the BMP's lower part (surrogates and above) do not bump cleanly; U+10FFFF is above every
        // character a real key holds.
        var upper = last < '\uD7FF'
            ? string.Concat(prefix.AsSpan(0, prefix.Length - 1), [(char)(last + 1)])
            : prefix + "\U0010FFFF";
        return new KeyRange(prefix, upper);
    }

    /// <summary>The SQL condition on <paramref name="column"/>, with <c>$from</c> as lower bound and <c>$to</c> as upper.</summary>
    public string Condition(string column, bool lowerExclusive) =>
        Upper is null
            ? $"{column} {(lowerExclusive ? ">" : ">=")} $from"
            : $"{column} {(lowerExclusive ? ">" : ">=")} $from AND {column} < $to";
}
