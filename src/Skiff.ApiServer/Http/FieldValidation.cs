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
    private static readonly string[] Directives = ["Ignore", "Warn", "Strict"];

    public static void Check(HttpContext ctx, ResourceDefinition def, byte[] json)
    {
        var directive = ctx.Request.Query["fieldValidation"].ToString();
        if (directive.Length == 0)
        {
            directive = "Warn";
        }

        if (!Directives.Contains(directive, StringComparer.Ordinal))
        {
            throw StatusErrors.BadRequest($"fieldValidation: Unsupported value: \"{directive}\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
        }

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
