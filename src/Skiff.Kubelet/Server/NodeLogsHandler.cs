using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Skiff.Kubelet.Server;

/// <summary>
/// <c>/logs/</c>: the node's log directory (upstream serves <c>/var/log</c> with Go's http.FileServer): a directory
/// is a <c>&lt;pre&gt;</c> listing of links (sub-directories end in '/'), a file is its content as text. Paths that
/// leave the directory are 404, as the file server's cleaned paths never reach outside its root.
/// </summary>
public sealed class NodeLogsHandler(string root)
{
    public async Task HandleAsync(HttpContext ctx, IReadOnlyList<string> segments)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(segments);
        var full = Path.GetFullPath(Path.Combine([root, .. segments]));
        var rootFull = Path.GetFullPath(root).TrimEnd('/');
        if (segments.Any(s => s is ".." or "." || s.Contains('/', StringComparison.Ordinal))
            || (full != rootFull && !full.StartsWith(rootFull + "/", StringComparison.Ordinal)))
        {
            throw new KubeletHttpException(404, "404 page not found");
        }

        if (Directory.Exists(full))
        {
            var path = ctx.Request.Path.Value ?? "/logs/";
            if (!path.EndsWith('/'))
            {
                // As http.FileServer: a directory's URL ends in a slash, so relative links resolve inside it.
                ctx.Response.StatusCode = 301;
                ctx.Response.Headers.Location = Path.GetFileName(path) + "/";
                return;
            }

            var listing = new StringBuilder("<pre>\n");
            foreach (var entry in new DirectoryInfo(full).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                var name = entry is DirectoryInfo ? entry.Name + "/" : entry.Name;
                listing.Append("<a href=\"").Append(Uri.EscapeDataString(entry.Name)).Append(entry is DirectoryInfo ? "/" : string.Empty).Append("\">")
                    .Append(WebUtility.HtmlEncode(name)).Append("</a>\n");
            }

            listing.Append("</pre>\n");
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "text/html; charset=utf-8";
            await ctx.Response.WriteAsync(listing.ToString(), ctx.RequestAborted);
            return;
        }

        if (!File.Exists(full))
        {
            throw new KubeletHttpException(404, "404 page not found");
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        await using var file = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
        await file.CopyToAsync(ctx.Response.Body, ctx.RequestAborted);
    }
}
