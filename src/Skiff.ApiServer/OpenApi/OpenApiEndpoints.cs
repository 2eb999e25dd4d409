using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.OpenApi;

/// <summary>
/// <c>/openapi/v3</c> (the index with hashed <c>serverRelativeURL</c>s) and <c>/openapi/v3/{gv}</c>. Hashed URLs are
/// immutable, so kubectl's HTTP cache reuses them, as with the real server.
/// </summary>
public sealed class OpenApiEndpoints
{
    private readonly IOpenApiProvider _provider;
    private readonly ConcurrentDictionary<string, (byte[] Body, string Hash)?> _docs = new(StringComparer.Ordinal);
    private byte[]? _index;

    public OpenApiEndpoints(IOpenApiProvider provider) => _provider = provider;

    public async Task ServeAsync(HttpContext ctx, string path)
    {
        if (path == "/openapi/v3")
        {
            _index ??= BuildIndex();
            await ResponseWriter.WriteJsonAsync(ctx, 200, _index);
            return;
        }

        var gv = path["/openapi/v3/".Length..];
        var doc = Document(gv) ?? throw StatusErrors.NotFoundPlain();
        if (ctx.Request.Query["hash"].ToString() == doc.Hash)
        {
            ctx.Response.Headers.CacheControl = "public, immutable";
        }
        else
        {
            ctx.Response.Headers.CacheControl = "no-cache, private";
        }

        ctx.Response.Headers.ETag = "\"" + doc.Hash + "\"";
        await ResponseWriter.WriteJsonAsync(ctx, 200, doc.Body);
    }

    private (byte[] Body, string Hash)? Document(string gv) => _docs.GetOrAdd(gv, key =>
    {
        var body = _provider.Document(key);
        return body is null ? null : (body, Convert.ToHexString(SHA512.HashData(body)));
    });

    private byte[] BuildIndex()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("paths");
            foreach (var gv in _provider.GroupVersionPaths)
            {
                if (Document(gv) is not { } doc)
                {
                    continue;
                }

                w.WriteStartObject(gv);
                w.WriteString("serverRelativeURL", "/openapi/v3/" + gv + "?hash=" + doc.Hash);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
