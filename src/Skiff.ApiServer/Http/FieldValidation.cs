using Microsoft.AspNetCore.Http;
using Skiff.Apimachinery;
using Skiff.Apimachinery.Patching;
using Skiff.Apimachinery.Validation;

namespace Skiff.ApiServer.Http;

/// <summary>
/// The <c>fieldValidation</c> query parameter of a write: unknown and duplicate fields are dropped silently
/// (<c>Ignore</c>), reported as <c>Warning</c> headers that kubectl prints (<c>Warn</c>, the default), or refused
/// (<c>Strict</c>, what kubectl sends by default). How a refusal looks depends on the request, as in kube-apiserver:
/// <list type="bullet">
/// <item>create/update bodies: 400 <c>Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"</c>;</item>
/// <item>JSON, merge and strategic merge patches: 422 Invalid, field <c>patch</c>, whose value is the patched object's JSON
/// (the patch itself, as Go prints a map, for a strategic merge patch) and whose detail is the strict decoding error;</item>
/// <item>apply patches: keys repeated in the YAML are a 400 <c>error strict decoding YAML: …</c> (undeclared fields are
/// refused by server-side apply itself, whatever the directive: see <see cref="UndeclaredFields"/>).</item>
/// </list>
/// One instance per request.
/// </summary>
public sealed class FieldValidation
{
    public const string Ignore = "Ignore";
    public const string Warn = "Warn";
    public const string Strict = "Strict";

    private readonly HttpContext _ctx;
    private IReadOnlyList<string>? _patchBodyProblems;
    private IReadOnlyList<string>? _applyDuplicates;

    private FieldValidation(HttpContext ctx, string directive)
    {
        _ctx = ctx;
        Directive = directive;
    }

    /// <summary>Ignore, Warn or Strict (the value was checked with the other write options: WriteOptions.Parse
    /// answers 422 when it is not one of them).</summary>
    public string Directive { get; }

    public static FieldValidation For(HttpContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var directive = ctx.Request.Query["fieldValidation"].ToString();
        return new FieldValidation(ctx, directive.Length == 0 ? Warn : directive);
    }

    /// <summary>Checks a create or update body of <paramref name="def"/>'s kind.</summary>
    public void CheckObject(ResourceDefinition def, byte[] json)
    {
        ArgumentNullException.ThrowIfNull(def);
        CheckObject(def.Kind, def.Version, def.ModelType, json);
    }

    /// <summary>Checks a create or update body decoded into <paramref name="modelType"/> (a subresource's kind, e.g. Scale).</summary>
    public void CheckObject(string kind, string version, Type modelType, byte[] json)
    {
        if (Directive == Ignore)
        {
            return;
        }

        var problems = UnknownFields.Find(modelType, json);
        if (problems.Count == 0)
        {
            return;
        }

        if (Directive == Strict)
        {
            throw StatusErrors.BadRequest(
                $"{kind} in version {GoFormat.Quote(version)} cannot be handled as a {kind}: {StrictDecodingError(problems)}");
        }

        WarnAll(problems);
    }

    /// <summary>
    /// Checks a JSON, merge or strategic merge patch: the patch body's own strict errors (duplicate fields; for a JSON
    /// patch also unknown fields of an operation) followed by the patched object's unknown fields. Called for each
    /// attempt of the read-modify-write loop, before anything is written.
    /// </summary>
    /// <param name="modelType">The type the patched object decodes into.</param>
    /// <param name="mediaType">The patch Content-Type (without parameters).</param>
    /// <param name="patch">The request body.</param>
    /// <param name="patched">The patched object's JSON.</param>
    public void CheckPatched(Type modelType, string mediaType, byte[] patch, byte[] patched)
    {
        ArgumentNullException.ThrowIfNull(patched);
        if (Directive == Ignore)
        {
            return;
        }

        _patchBodyProblems ??= mediaType == PatchContentTypes.JsonPatch ? UnknownFields.FindInJsonPatch(patch) : UnknownFields.FindDuplicates(patch);
        // The patched object can only have an unknown field the patch brought (see PatchMayAddUnknown); it is searched
        // only then, for the paths as upstream reports them (indexes of the merged lists, not of the patch's).
        var inResult = mediaType != PatchContentTypes.JsonPatch && !UnknownFields.PatchMayAddUnknown(modelType, patch)
            ? []
            : UnknownFields.Find(modelType, patched);
        var problems = _patchBodyProblems.Concat(inResult).ToList();
        if (problems.Count == 0)
        {
            return;
        }

        if (Directive == Strict)
        {
            // Upstream reports the patched object it could not decode; for a strategic merge patch, the patch map.
            var value = mediaType == PatchContentTypes.StrategicMergePatch ? GoFormat.Value(patch) : GoFormat.Json(patched);
            throw StatusErrors.Invalid(string.Empty, string.Empty, string.Empty,
                [new FieldError(FieldErrorType.Invalid, "patch", value, StrictDecodingError(problems))]);
        }

        WarnAll(problems);
    }

    /// <summary>Checks an apply body for keys given twice (go-yaml's strict decoding); called once the apply merged, so a
    /// conflict is reported first, as upstream does. The body is scanned once per request.</summary>
    public void CheckApplyBody(byte[] body)
    {
        if (Directive == Ignore)
        {
            return;
        }

        var duplicates = _applyDuplicates ??= ApplyBody.DuplicateKeys(body);
        if (duplicates.Count == 0)
        {
            return;
        }

        if (Directive == Strict)
        {
            throw StatusErrors.BadRequest(
                "error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  " + string.Join("\n  ", duplicates));
        }

        WarnAll(duplicates);
    }

    private static string StrictDecodingError(IEnumerable<string> problems) => "strict decoding error: " + string.Join(", ", problems);

    private void WarnAll(IEnumerable<string> problems)
    {
        foreach (var problem in problems)
        {
            // RFC 7234 warn-value: code 299, agent "-", quoted text with its quotes escaped. Each text once per response,
            // as the API server's warning recorder does (patches check again on a retried attempt).
            var header = $"299 - \"{problem.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
            if (!_ctx.Response.Headers["Warning"].Contains(header))
            {
                _ctx.Response.Headers.Append("Warning", header);
            }
        }
    }
}
