using System.Text.Json;
using k8s.Models;
using Microsoft.AspNetCore.Http;

namespace Skiff.ApiServer.Http;

/// <summary>Writes JSON bodies and Status errors.</summary>
public static class ResponseWriter
{
    public static async Task WriteBytesAsync(HttpContext ctx, int status, string contentType, byte[] body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }

    public static Task WriteJsonAsync(HttpContext ctx, int status, byte[] body) =>
        WriteBytesAsync(ctx, status, "application/json", body);

    public static Task WriteStatusAsync(HttpContext ctx, V1Status status) =>
        WriteJsonAsync(ctx, status.Code ?? 200, ModelJson.Serialize(status));

    /// <summary>Streams a JSON document written by <paramref name="body"/>, flushing every so often.</summary>
    public static async Task WriteStreamedAsync(HttpContext ctx, int status, string contentType, Func<Utf8JsonWriter, Func<Task>, Task> body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        var pipe = ctx.Response.BodyWriter;
        await using var w = new Utf8JsonWriter(pipe, new JsonWriterOptions { SkipValidation = true });
        async Task FlushAsync()
        {
            await w.FlushAsync(ctx.RequestAborted);
            await pipe.FlushAsync(ctx.RequestAborted);
        }

        await body(w, FlushAsync);
        await FlushAsync();
    }
}
