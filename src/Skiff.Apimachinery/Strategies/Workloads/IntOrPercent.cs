using System.Globalization;
using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Workloads;

/// <summary>maxSurge / maxUnavailable: a non-negative integer or a percentage no greater than 100%.</summary>
internal static class IntOrPercent
{
    /// <summary>Validates and returns the value (percent or count) for the both-zero check; null when unset or bad.</summary>
    public static int? Validate(IntOrString? value, string path, List<FieldError> errors)
    {
        if (value?.Value is not { Length: > 0 } text)
        {
            return null;
        }

        if (text.EndsWith('%'))
        {
            if (!int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var percent))
            {
                errors.Add(FieldErrors.Invalid(path, text, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
                return null;
            }

            if (percent > 100)
            {
                errors.Add(FieldErrors.Invalid(path, text, "must not be greater than 100%"));
            }

            return percent;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var count))
        {
            errors.Add(FieldErrors.Invalid(path, text, "must be an integer or percentage (e.g '5%')"));
            return null;
        }

        if (count < 0)
        {
            errors.Add(FieldErrors.Invalid(path, count, "must be greater than or equal to 0"));
        }

        return count;
    }

    /// <summary>The bad value as Kubernetes prints it: a number for ints, a quoted string for percents.</summary>
    public static object? BadValue(IntOrString? value) =>
        value?.Value is { } text && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? number : value?.Value;
}
