using System.Text.RegularExpressions;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Data;

/// <summary>Keys of ConfigMap and Secret data (Kubernetes' <c>IsConfigMapKey</c>) and the 1 MiB size limit.</summary>
public static partial class DataKeyRules
{
    public const int MaxTotalSize = 1024 * 1024;
    private const string KeyFormat = "[-._a-zA-Z0-9]+";
    private const string KeyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

    [GeneratedRegex("^" + KeyFormat + "$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyRegex();

    public static IReadOnlyList<string> KeyErrors(string key)
    {
        var errors = new List<string>();
        if (key.Length > NameRules.Dns1123SubdomainMaxLength)
        {
            errors.Add(NameRules.MaxLengthError(NameRules.Dns1123SubdomainMaxLength));
        }

        if (!KeyRegex().IsMatch(key))
        {
            errors.Add(NameRules.RegexError(KeyMessage, KeyFormat, "key.name", "KEY_NAME", "key-name"));
        }

        if (key == ".")
        {
            errors.Add("must not be '.'");
        }
        else if (key == "..")
        {
            errors.Add("must not be '..'");
        }
        else if (key.StartsWith("..", StringComparison.Ordinal))
        {
            errors.Add("must not start with '..'");
        }

        return errors;
    }

    /// <summary>Errors for the keys of one data map, on paths like <c>data[key]</c>.</summary>
    public static IEnumerable<FieldError> ValidateKeys(IEnumerable<string> keys, string path) =>
        keys.OrderBy(k => k, StringComparer.Ordinal)
            .SelectMany(key => KeyErrors(key).Select(message => FieldErrors.Invalid($"{path}[{key}]", key, message)));
}
