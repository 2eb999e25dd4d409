using System.Text.RegularExpressions;

namespace Skiff.Apimachinery.Validation;

/// <summary>
/// The name and value rules of Kubernetes' <c>k8s.io/apimachinery/pkg/util/validation</c>, with its exact messages
/// (kubectl users see them verbatim in <c>Invalid value</c> errors).
/// </summary>
public static partial class NameRules
{
    public const int Dns1123LabelMaxLength = 63;
    public const int Dns1123SubdomainMaxLength = 253;
    public const int Dns1035LabelMaxLength = 63;
    public const int QualifiedNameMaxLength = 63;
    public const int LabelValueMaxLength = 63;

    private const string Dns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string Dns1123LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";

    private const string Dns1123SubdomainFormat = Dns1123LabelFormat + "(\\." + Dns1123LabelFormat + ")*";
    private const string Dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

    private const string Dns1035LabelFormat = "[a-z]([-a-z0-9]*[a-z0-9])?";
    private const string Dns1035LabelMessage =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";

    private const string QualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private const string QualifiedNameMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

    private const string LabelValueFormat = "(" + QualifiedNameFormat + ")?";
    private const string LabelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

    private const string CIdentifierFormat = "[A-Za-z_][A-Za-z0-9_]*";
    private const string CIdentifierMessage =
        "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'";

    [GeneratedRegex("^" + Dns1123LabelFormat + "$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123LabelRegex();

    [GeneratedRegex("^" + Dns1123SubdomainFormat + "$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123SubdomainRegex();

    [GeneratedRegex("^" + Dns1035LabelFormat + "$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1035LabelRegex();

    [GeneratedRegex("^" + QualifiedNameFormat + "$", RegexOptions.CultureInvariant)]
    private static partial Regex QualifiedNameRegex();

    [GeneratedRegex("^" + LabelValueFormat + "$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValueRegex();

    [GeneratedRegex("^" + CIdentifierFormat + "$", RegexOptions.CultureInvariant)]
    private static partial Regex CIdentifierRegex();

    /// <summary>IsDNS1123Label: e.g. container names, namespace names.</summary>
    public static IReadOnlyList<string> Dns1123Label(string value)
    {
        var errors = new List<string>();
        if (value.Length > Dns1123LabelMaxLength)
        {
            errors.Add(MaxLengthError(Dns1123LabelMaxLength));
        }

        if (!Dns1123LabelRegex().IsMatch(value))
        {
            errors.Add(RegexError(Dns1123LabelMessage, Dns1123LabelFormat, "my-name", "123-abc"));
        }

        return errors;
    }

    /// <summary>IsDNS1123Subdomain: most object names.</summary>
    public static IReadOnlyList<string> Dns1123Subdomain(string value)
    {
        var errors = new List<string>();
        if (value.Length > Dns1123SubdomainMaxLength)
        {
            errors.Add(MaxLengthError(Dns1123SubdomainMaxLength));
        }

        if (!Dns1123SubdomainRegex().IsMatch(value))
        {
            errors.Add(RegexError(Dns1123SubdomainMessage, Dns1123SubdomainFormat, "example.com"));
        }

        return errors;
    }

    /// <summary>IsDNS1035Label: service names, port names.</summary>
    public static IReadOnlyList<string> Dns1035Label(string value)
    {
        var errors = new List<string>();
        if (value.Length > Dns1035LabelMaxLength)
        {
            errors.Add(MaxLengthError(Dns1035LabelMaxLength));
        }

        if (!Dns1035LabelRegex().IsMatch(value))
        {
            errors.Add(RegexError(Dns1035LabelMessage, Dns1035LabelFormat, "my-name", "abc-123"));
        }

        return errors;
    }

    /// <summary>IsQualifiedName: label keys, annotation keys, finalizers: an optional DNS subdomain prefix and '/'.</summary>
    public static IReadOnlyList<string> QualifiedName(string value)
    {
        var errors = new List<string>();
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                var prefix = parts[0];
                name = parts[1];
                if (prefix.Length == 0)
                {
                    errors.Add("prefix part " + EmptyError);
                }
                else
                {
                    errors.AddRange(Dns1123Subdomain(prefix).Select(message => "prefix part " + message));
                }

                break;
            default:
                errors.Add("a qualified name " + RegexError(QualifiedNameMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc")
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errors;
        }

        if (name.Length == 0)
        {
            errors.Add("name part " + EmptyError);
        }
        else if (name.Length > QualifiedNameMaxLength)
        {
            errors.Add("name part " + MaxLengthError(QualifiedNameMaxLength));
        }

        if (!QualifiedNameRegex().IsMatch(name))
        {
            errors.Add("name part " + RegexError(QualifiedNameMessage, QualifiedNameFormat, "MyName", "my.name", "123-abc"));
        }

        return errors;
    }

    /// <summary>IsValidLabelValue.</summary>
    public static IReadOnlyList<string> LabelValue(string value)
    {
        var errors = new List<string>();
        if (value.Length > LabelValueMaxLength)
        {
            errors.Add(MaxLengthError(LabelValueMaxLength));
        }

        if (!LabelValueRegex().IsMatch(value))
        {
            errors.Add(RegexError(LabelValueMessage, LabelValueFormat, "MyValue", "my_value", "12345"));
        }

        return errors;
    }

    /// <summary>IsCIdentifier: environment variable names in strict mode (kept for reference; see <see cref="EnvVarName"/>).</summary>
    public static IReadOnlyList<string> CIdentifier(string value) =>
        CIdentifierRegex().IsMatch(value) ? [] : [RegexError(CIdentifierMessage, CIdentifierFormat, "my_name", "MY_NAME", "MyName")];

    /// <summary>IsEnvVarName (relaxed since 1.30: any printable ASCII but '=').</summary>
    public static IReadOnlyList<string> EnvVarName(string value)
    {
        if (value.Length == 0)
        {
            return [EmptyError];
        }

        foreach (var c in value)
        {
            if (c is < ' ' or > '~' || c == '=')
            {
                return ["a valid environment variable name must consist only of printable ASCII characters other than '='"];
            }
        }

        return [];
    }

    /// <summary>IsValidPortNum: 1..65535.</summary>
    public static IReadOnlyList<string> PortNumber(int port) =>
        port is >= 1 and <= 65535 ? [] : [InclusiveRangeError(1, 65535)];

    /// <summary>NameIsDNSSubdomain as object-name validator; <paramref name="prefix"/> is true for generateName.</summary>
    public static IReadOnlyList<string> NameIsDns1123Subdomain(string name, bool prefix) =>
        Dns1123Subdomain(prefix ? MaskTrailingDash(name) : name);

    /// <summary>NameIsDNSLabel as object-name validator.</summary>
    public static IReadOnlyList<string> NameIsDns1123Label(string name, bool prefix) =>
        Dns1123Label(prefix ? MaskTrailingDash(name) : name);

    /// <summary>NameIsDNS1035Label as object-name validator.</summary>
    public static IReadOnlyList<string> NameIsDns1035Label(string name, bool prefix) =>
        Dns1035Label(prefix ? MaskTrailingDash(name) : name);

    public const string EmptyError = "must be non-empty";

    public static string MaxLengthError(int length) => $"must be no more than {length} characters";

    public static string InclusiveRangeError(int low, int high) => $"must be between {low} and {high}, inclusive";

    /// <summary>Kubernetes' RegexError: the message, the examples and the regex, e.g.
    /// <c>... (e.g. 'my-name',  or '123-abc', regex used for validation is '...')</c> (the double space is upstream's).</summary>
    public static string RegexError(string message, string format, params string[] examples)
    {
        if (examples.Length == 0)
        {
            return message + " (regex used for validation is '" + format + "')";
        }

        var text = new System.Text.StringBuilder(message).Append(" (e.g. ");
        for (var i = 0; i < examples.Length; i++)
        {
            if (i > 0)
            {
                text.Append(" or ");
            }

            text.Append('\'').Append(examples[i]).Append("', ");
        }

        return text.Append("regex used for validation is '").Append(format).Append("')").ToString();
    }

    /// <summary>A generateName may end in '-': validate it as if it ended in an alphanumeric character.</summary>
    private static string MaskTrailingDash(string name) =>
        name.Length > 1 && name[^1] == '-' ? name[..^1] + "a" : name;
}
