using System.Text;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Apimachinery.Patching;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Tests;

/// <summary>fieldValidation per patch type, checked on the patched object as kube-apiserver's patch handler does.</summary>
public sealed class FieldValidationTests
{
    private const string Pod = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"main","image":"nginx"}]}}""";

    private static readonly BuiltInPatchers Patchers = new();

    private static HttpContext Request(string? directive)
    {
        var ctx = new DefaultHttpContext();
        if (directive is not null)
        {
            ctx.Request.QueryString = new QueryString("?fieldValidation=" + directive);
        }

        return ctx;
    }

    private static (byte[] Patch, byte[] Patched) Patch(string mediaType, string patch)
    {
        var body = Encoding.UTF8.GetBytes(patch);
        return (body, Patchers.Apply(mediaType, typeof(V1Pod), Encoding.UTF8.GetBytes(Pod), body));
    }

    private static string[] Warnings(HttpContext ctx) => ctx.Response.Headers["Warning"].Select(w => w!).ToArray();

    public static TheoryData<string, string, string> Typos => new()
    {
        // The patched object carries the typo; JSON patch operations and patch bodies are checked themselves too.
        { PatchContentTypes.MergePatch, """{"spec":{"containers":[{"name":"main","image":"nginx","imagee":"x"}]}}""",
            "unknown field \"spec.containers[0].imagee\"" },
        { PatchContentTypes.StrategicMergePatch, """{"spec":{"containers":[{"name":"main","imagee":"x"}]}}""",
            "unknown field \"spec.containers[0].imagee\"" },
        { PatchContentTypes.JsonPatch, """[{"op":"add","path":"/spec/containers/0/imagee","value":"x","valeu":1}]""",
            "json patch unknown field \"[0].valeu\", unknown field \"spec.containers[0].imagee\"" },
        { PatchContentTypes.MergePatch, """{"metadata":{"labels":{"a":"1","a":"2"}}}""", "duplicate field \"metadata.labels.a\"" },
        { PatchContentTypes.StrategicMergePatch, """{"spec":{"nodeName":"n","nodeName":"m","hostNetwork":true,"hostNetwork":false}}""",
            "duplicate field \"spec.nodeName\", duplicate field \"spec.hostNetwork\"" },
    };

    [Theory]
    [MemberData(nameof(Typos))]
    public void Strict_refuses_with_422_on_field_patch(string mediaType, string patch, string problems)
    {
        var (body, patched) = Patch(mediaType, patch);
        var error = Assert.Throws<ApiException>(() => FieldValidation.For(Request("Strict")).CheckPatched(typeof(V1Pod), mediaType, body, patched));

        // The value is the patched object (a strategic merge patch: the patch map as Go prints it).
        var value = mediaType == PatchContentTypes.StrategicMergePatch
            ? Skiff.Apimachinery.Validation.GoFormat.Value(body)
            : Skiff.Apimachinery.Validation.GoFormat.Json(patched);
        var cause = $"Invalid value: {Skiff.Apimachinery.Validation.GoFormat.Quote(value)}: strict decoding error: {problems}";
        Assert.Equal((422, "Invalid"), (error.Code, error.Status.Reason));
        Assert.Equal(" \"\" is invalid: patch: " + cause, error.Status.Message);
        var only = Assert.Single(error.Status.Details.Causes);
        Assert.Equal(("FieldValueInvalid", "patch", cause), (only.Reason, only.Field, only.Message));
        Assert.Null(error.Status.Details.Kind);
        Assert.Null(error.Status.Details.Name);
    }

    [Theory]
    [MemberData(nameof(Typos))]
    public void Warn_and_the_default_report_each_problem_as_a_warning(string mediaType, string patch, string problems)
    {
        var (body, patched) = Patch(mediaType, patch);
        var expected = problems.Split(", ").Select(p => "299 - \"" + p.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"").ToArray();
        foreach (var directive in new[] { "Warn", null })
        {
            var ctx = Request(directive);
            var validation = FieldValidation.For(ctx);
            validation.CheckPatched(typeof(V1Pod), mediaType, body, patched);
            validation.CheckPatched(typeof(V1Pod), mediaType, body, patched); // a retried attempt warns once
            Assert.Equal(expected, Warnings(ctx));
        }
    }

    [Theory]
    [MemberData(nameof(Typos))]
    public void Ignore_drops_silently(string mediaType, string patch, string problems)
    {
        Assert.NotEmpty(problems);
        var (body, patched) = Patch(mediaType, patch);
        var ctx = Request("Ignore");
        FieldValidation.For(ctx).CheckPatched(typeof(V1Pod), mediaType, body, patched);
        Assert.Empty(Warnings(ctx));
    }

    [Theory]
    [InlineData(PatchContentTypes.MergePatch, """{"spec":{"containers":[{"name":"main","image":"busybox"}]}}""")]
    [InlineData(PatchContentTypes.StrategicMergePatch, """{"spec":{"$setElementOrder/containers":[{"name":"main"}],"containers":[{"name":"main","image":"busybox"}]}}""")]
    [InlineData(PatchContentTypes.JsonPatch, """[{"op":"replace","path":"/spec/containers/0/image","value":"busybox"}]""")]
    public void A_clean_patch_passes_strict(string mediaType, string patch)
    {
        var (body, patched) = Patch(mediaType, patch);
        var ctx = Request("Strict");
        FieldValidation.For(ctx).CheckPatched(typeof(V1Pod), mediaType, body, patched);
        Assert.Empty(Warnings(ctx));
    }

    [Fact]
    public void Apply_bodies_with_repeated_keys_are_a_400_under_strict_and_warnings_under_warn()
    {
        var body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: x\n  a: y\n"u8.ToArray();
        var error = Assert.Throws<ApiException>(() => FieldValidation.For(Request("Strict")).CheckApplyBody(body));
        Assert.Equal((400, "BadRequest"), (error.Code, error.Status.Reason));
        Assert.Equal(
            "error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key \"a\" already set in map",
            error.Status.Message);

        var ctx = Request(null);
        FieldValidation.For(ctx).CheckApplyBody(body);
        Assert.Equal(["299 - \"line 7: key \\\"a\\\" already set in map\""], Warnings(ctx));

        var ignored = Request("Ignore");
        FieldValidation.For(ignored).CheckApplyBody(body);
        Assert.Empty(Warnings(ignored));
    }

    [Fact]
    public void Create_and_update_bodies_keep_the_400_strict_decoding_error()
    {
        var error = Assert.Throws<ApiException>(() => FieldValidation.For(Request("Strict")).CheckObject(
            "Scale", "v1", typeof(V1Scale), """{"spec":{"replicas":1,"replicass":2}}"""u8.ToArray()));
        Assert.Equal(400, error.Code);
        Assert.Equal("Scale in version \"v1\" cannot be handled as a Scale: strict decoding error: unknown field \"spec.replicass\"", error.Status.Message);
    }
}
