using System.Text;

namespace Skiff.Cli.Commands;

/// <summary>Builds query strings with escaped values, leaving out empty ones.</summary>
public static class Query
{
    public static string Build(params (string Key, string? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var text = new StringBuilder();
        foreach (var (key, value) in parameters)
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            text.Append(text.Length == 0 ? '?' : '&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
        }

        return text.ToString();
    }
}
