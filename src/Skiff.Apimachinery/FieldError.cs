namespace Skiff.Apimachinery;

/// <summary>The kinds of field errors Kubernetes reports (the <c>reason</c> of a Status cause).</summary>
public enum FieldErrorType
{
    /// <summary>FieldValueRequired: "Required value".</summary>
    Required,

    /// <summary>FieldValueInvalid: "Invalid value".</summary>
    Invalid,

    /// <summary>FieldValueNotSupported: "Unsupported value".</summary>
    NotSupported,

    /// <summary>FieldValueDuplicate: "Duplicate value".</summary>
    Duplicate,

    /// <summary>FieldValueForbidden: "Forbidden".</summary>
    Forbidden,

    /// <summary>FieldValueNotFound: "Not found" (e.g. a volume mount naming no volume).</summary>
    NotFound,

    /// <summary>FieldValueTooLong: "Too long".</summary>
    TooLong,

    /// <summary>FieldValueTooMany: "Too many".</summary>
    TooMany,
}

/// <summary>
/// One validation failure, as Kubernetes' <c>field.Error</c>: a path such as <c>spec.containers[0].image</c>, the type,
/// the bad value and a detail. <see cref="ToString"/> renders the message Kubernetes prints, e.g.
/// <c>spec.containers[0].image: Required value</c>.
/// </summary>
public sealed record FieldError(FieldErrorType Type, string Field, object? BadValue, string Detail)
{
    /// <summary>The <c>reason</c> of the Status cause, e.g. <c>FieldValueRequired</c>.</summary>
    public string Reason => Type switch
    {
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.Invalid => "FieldValueInvalid",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.NotFound => "FieldValueNotFound",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.TooMany => "FieldValueTooMany",
        _ => "FieldValueInvalid",
    };

    /// <summary>The human text of the type, e.g. <c>Required value</c>.</summary>
    public string TypeText => Type switch
    {
        FieldErrorType.Required => "Required value",
        FieldErrorType.Invalid => "Invalid value",
        FieldErrorType.NotSupported => "Unsupported value",
        FieldErrorType.Duplicate => "Duplicate value",
        FieldErrorType.Forbidden => "Forbidden",
        FieldErrorType.NotFound => "Not found",
        FieldErrorType.TooLong => "Too long",
        FieldErrorType.TooMany => "Too many",
        _ => "Invalid value",
    };

    /// <summary>Kubernetes' <c>ErrorBody</c>: the type text, the bad value (omitted for Required, Forbidden and
    /// TooLong) and the detail, e.g. <c>Invalid value: "Foo": a lowercase RFC 1123 ...</c>.</summary>
    public string Body
    {
        get
        {
            var text = Type is FieldErrorType.Required or FieldErrorType.Forbidden or FieldErrorType.TooLong
                ? TypeText
                : $"{TypeText}: {FormatValue(BadValue)}";
            return Detail.Length == 0 ? text : $"{text}: {Detail}";
        }
    }

    /// <summary>The message Kubernetes prints for one field error: <c>field: body</c>.</summary>
    public override string ToString() => $"{Field}: {Body}";

    private static string FormatValue(object? value) => value switch
    {
        null => "null",
        string text => Validation.GoFormat.Quote(text),
        bool flag => flag ? "true" : "false",
        IFormattable number => number.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };
}
