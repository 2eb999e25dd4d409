namespace Skiff.Apimachinery.Validation;

/// <summary>Short constructors for <see cref="FieldError"/>, named like Kubernetes' <c>field.Required</c>, <c>field.Invalid</c>, ...</summary>
public static class FieldErrors
{
    public static FieldError Required(string field, string detail = "") => new(FieldErrorType.Required, field, "", detail);

    public static FieldError Invalid(string field, object? value, string detail) => new(FieldErrorType.Invalid, field, value, detail);

    public static FieldError Forbidden(string field, string detail) => new(FieldErrorType.Forbidden, field, "", detail);

    public static FieldError NotFound(string field, object? value) => new(FieldErrorType.NotFound, field, value, "");

    public static FieldError Duplicate(string field, object? value) => new(FieldErrorType.Duplicate, field, value, "");

    public static FieldError TooMany(string field, int actual, int max) =>
        new(FieldErrorType.TooMany, field, actual, $"must have at most {max} items");

    public static FieldError TooLong(string field, int maxLength) =>
        new(FieldErrorType.TooLong, field, "", $"may not be more than {maxLength} bytes");

    /// <summary>field.NotSupported: the detail lists the supported values, each quoted, e.g.
    /// <c>supported values: "Always", "Never", "OnFailure"</c>.</summary>
    public static FieldError NotSupported(string field, object? value, IEnumerable<string> supported) =>
        new(FieldErrorType.NotSupported, field, value,
            "supported values: " + string.Join(", ", supported.Select(v => "\"" + v + "\"")));

    /// <summary>Invalid errors for each message of a rule (e.g. <see cref="NameRules.Dns1123Label"/>).</summary>
    public static IEnumerable<FieldError> InvalidEach(string field, string value, IEnumerable<string> messages) =>
        messages.Select(message => Invalid(field, value, message));

    /// <summary>ValidateImmutableField: <c>field is immutable</c>.</summary>
    public static FieldError Immutable(string field, object? value) => Invalid(field, value, "field is immutable");
}
