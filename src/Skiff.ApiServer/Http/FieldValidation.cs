using Microsoft.AspNetCore.Http;
using Skiff.Apimachinery;
using Skiff.Apimachinery.Validation;

namespace Skiff.ApiServer.Http;

/// <summary>
/// The <c>fieldValidation</c> query parameter of writes: unknown and duplicate fields are dropped silently
/// (<c>Ignore</c>), reported as <c>Warning</c> headers that kubectl prints (<c>Warn</c>, the default), or refused with
/// kube-apiserver's "strict decoding error" (<c>Strict</c>, what kubectl sends by default).
/// </summary>
internal static class FieldValidation
{
    public static void Check(HttpContext ctx, ResourceDefinition def, byte[] json)
    {
        // The value itself was checked with the other write options (WriteOptions.Parse: 422 when unsupported).
        var directive = ctx.Request.Query["fieldValidation"].ToString();
        if (directive == "Ignore")
        {
            return;
        }

        var problems = UnknownFields.Find(def.ModelType, json);
        if (problems.Count == 0)
        {
            return;
        }

        if (directive == "Strict")
        {
            throw StatusErrors.BadRequest(
                $"{def.Kind} in version \"{def.Version}\" cannot be handled as a {def.Kind}: strict decoding error: {string.Join(", ", problems)}");
        }

        foreach (var problem in problems)
        {
            // RFC 7234 warn-value: code 299, agent "-", quoted text with its quotes escaped.
            ctx.Response.Headers.Append("Warning", $"299 - \"{problem.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }
    }
}
