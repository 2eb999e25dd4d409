using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Skiff.Apimachinery;

namespace Skiff.ApiServer.Http;

/// <summary>
/// The query options every write carries (CreateOptions, UpdateOptions, PatchOptions, DeleteOptions): fieldManager,
/// dryRun and, for apply, force. Validated as the API server does: a bad option is a 422 naming the options kind, e.g.
/// <c>PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch</c>.
/// </summary>
public sealed record WriteOptions(string FieldManager, bool DryRun, bool Force)
{
    public const int FieldManagerMaxLength = 128;

    /// <param name="ctx">The request.</param>
    /// <param name="optionsKind">CreateOptions, UpdateOptions, PatchOptions or DeleteOptions (named in the 422).</param>
    /// <param name="apply">True for an apply patch: fieldManager is required and force allowed.</param>
    /// <param name="bodyDryRun">The dryRun of a DeleteOptions body, checked with the query's.</param>
    public static WriteOptions Parse(HttpContext ctx, string optionsKind, bool apply = false, IEnumerable<string>? bodyDryRun = null)
    {
        var query = ctx.Request.Query;
        var manager = query["fieldManager"].ToString();
        var dryRun = query["dryRun"].Select(v => v ?? string.Empty).Concat(bodyDryRun ?? []).ToList();
        bool? force = null;
        if (query.TryGetValue("force", out var f))
        {
            force = ParseBool(f.ToString(), "force");
        }

        var errors = new List<FieldError>();
        if (optionsKind == "PatchOptions")
        {
            if (!apply && force is not null)
            {
                errors.Add(new FieldError(FieldErrorType.Forbidden, "force", null, "may not be specified for non-apply patch"));
            }

            if (apply && manager.Length == 0)
            {
                // kubectl defaults it to "kubectl"; controllers have to set it.
                errors.Add(new FieldError(FieldErrorType.Required, "fieldManager", null, "is required for apply patch"));
            }
        }

        if (Encoding.UTF8.GetByteCount(manager) > FieldManagerMaxLength)
        {
            errors.Add(new FieldError(FieldErrorType.TooLong, "fieldManager", manager, $"may not be more than {FieldManagerMaxLength} bytes"));
        }

        var position = 0;
        foreach (var rune in manager.EnumerateRunes())
        {
            if (!IsPrint(rune))
            {
                errors.Add(new FieldError(FieldErrorType.Invalid, "fieldManager", manager,
                    string.Create(CultureInfo.InvariantCulture, $"invalid character U+{rune.Value:X4} (at position {position})")));
            }

            position += rune.Utf8SequenceLength;
        }

        if (dryRun.Any(v => v != "All"))
        {
            errors.Add(new FieldError(FieldErrorType.NotSupported, "dryRun", new GoLiteral(GoStringSlice(dryRun)), "supported values: \"All\""));
        }

        var fieldValidation = query["fieldValidation"].ToString();
        if (fieldValidation is not ("" or "Ignore" or "Warn" or "Strict"))
        {
            errors.Add(new FieldError(FieldErrorType.NotSupported, "fieldValidation", fieldValidation, "supported values: \"Ignore\", \"Strict\", \"Warn\""));
        }

        if (errors.Count > 0)
        {
            throw StatusErrors.Invalid(optionsKind, "meta.k8s.io", string.Empty, errors);
        }

        return new WriteOptions(manager, dryRun.Count > 0, force ?? false);
    }

    /// <summary>
    /// The manager a write is recorded under: the fieldManager parameter, else what kube-apiserver derives from the
    /// User-Agent (the part before the first '/', printable characters only, at most 128 bytes), e.g. <c>kubectl</c>.
    /// </summary>
    public string Manager(HttpContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        if (FieldManager.Length > 0)
        {
            return FieldManager;
        }

        var agent = ctx.Request.Headers.UserAgent.ToString();
        var slash = agent.IndexOf('/', StringComparison.Ordinal);
        var prefix = slash >= 0 ? agent[..slash] : agent;
        var result = new StringBuilder();
        var bytes = 0;
        foreach (var rune in prefix.EnumerateRunes())
        {
            if (!IsPrint(rune))
            {
                continue;
            }

            if (bytes + rune.Utf8SequenceLength > FieldManagerMaxLength)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            result.Append(rune.ToString());
        }

        return result.ToString();
    }

    private static bool IsPrint(Rune rune) =>
        rune.Value == ' ' || !(Rune.IsControl(rune) || Rune.IsWhiteSpace(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse);

    private static bool ParseBool(string value, string name) => value switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => throw StatusErrors.BadRequest($"strconv.ParseBool: parsing \"{value}\": invalid syntax for {name}"),
    };

    // How Go's %#v prints a []string, which is how field errors show the dryRun value.
    private static string GoStringSlice(IEnumerable<string> values) =>
        "[]string{" + string.Join(", ", values.Select(v => "\"" + v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"")) + "}";

    /// <summary>A bad value rendered verbatim (not quoted as a string) in a field error.</summary>
    private sealed record GoLiteral(string Text)
    {
        public override string ToString() => Text;
    }
}
