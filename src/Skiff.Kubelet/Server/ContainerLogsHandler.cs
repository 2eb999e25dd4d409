using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Skiff.Cri.V1;
using Skiff.Streaming.Logs;

namespace Skiff.Kubelet.Server;

/// <summary>
/// <c>GET /containerLogs/{namespace}/{pod}/{container}</c> with the <c>pods/log</c> query (follow, tailLines,
/// sinceSeconds, sinceTime, timestamps, previous, limitBytes): the container's CRI log file as plain text.
/// </summary>
public sealed partial class ContainerLogsHandler
{
    private readonly PodContainerLocator _locator;
    private readonly CriLogReader _reader;
    private readonly TimeProvider _time;

    public ContainerLogsHandler(PodContainerLocator locator, TimeProvider time, TimeSpan pollInterval)
    {
        _locator = locator;
        _time = time;
        _reader = new CriLogReader(time, pollInterval);
    }

    public async Task HandleAsync(HttpContext ctx, string podNamespace, string podName, string containerName)
    {
        var ct = ctx.RequestAborted;
        var query = ctx.Request.Query;
        var previous = Flag(query["previous"]);
        var options = ParseOptions(query, _time.GetUtcNow());
        var containers = await _locator.FindContainersAsync(podNamespace, podName, containerName, ct);
        if (containers.Count == 0)
        {
            throw new KubeletHttpException(404, $"container \"{containerName}\" in pod \"{podName}\" not found");
        }

        var current = containers[0];
        var status = await _locator.StatusAsync(current.Id, ct);
        string? path = status?.LogPath;
        var containerId = current.Id;
        if (previous)
        {
            var older = containers.Skip(1).FirstOrDefault(c => (c.Metadata?.Attempt ?? 0) < (current.Metadata?.Attempt ?? 0));
            path = older is not null ? (await _locator.StatusAsync(older.Id, ct))?.LogPath : PreviousAttemptPath(path);
            containerId = older?.Id ?? string.Empty;
            if (string.IsNullOrEmpty(path) || !File.Exists(path))
            {
                throw new KubeletHttpException(400, $"previous terminated container \"{containerName}\" in pod \"{podName}\" not found");
            }

            options = options with { Follow = false };
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/plain";
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            // Created but not started yet, or started without a log directory: nothing written so far.
            return;
        }

        await ctx.Response.StartAsync(ct);
        try
        {
            await _reader.CopyAsync(path, options, ctx.Response.Body, async token =>
            {
                var now = await _locator.StatusAsync(containerId, token);
                return now?.State == ContainerState.ContainerRunning;
            }, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // kubectl logs -f was interrupted.
        }
    }

    /// <summary>Parses the query like the API server validates it (400 for bad values).</summary>
    public static LogOptions ParseOptions(IQueryCollection query, DateTimeOffset now)
    {
        var tail = Number(query, "tailLines", min: 0);
        var limit = Number(query, "limitBytes", min: 1);
        var sinceSeconds = Number(query, "sinceSeconds", min: 1);
        DateTimeOffset? since = sinceSeconds is { } s ? now.AddSeconds(-s) : null;
        var sinceTime = query["sinceTime"].ToString();
        if (sinceTime.Length > 0)
        {
            if (sinceSeconds is not null)
            {
                throw new KubeletHttpException(400, "at most one of sinceTime or sinceSeconds may be specified");
            }

            if (!CriLogLine.TryParseTime(sinceTime, out var parsed))
            {
                throw new KubeletHttpException(400, $"invalid sinceTime \"{sinceTime}\": must be RFC3339");
            }

            since = parsed;
        }

        return new LogOptions(Flag(query["follow"]), tail, since, Flag(query["timestamps"]), limit);
    }

    /// <summary><c>.../name/3.log</c> → <c>.../name/2.log</c>: the file the previous attempt wrote.</summary>
    private static string? PreviousAttemptPath(string? path)
    {
        if (path is null)
        {
            return null;
        }

        var match = AttemptFile().Match(Path.GetFileName(path));
        if (!match.Success)
        {
            return null;
        }

        var attempt = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return attempt == 0 ? null : Path.Combine(Path.GetDirectoryName(path)!, $"{attempt - 1}.log");
    }

    internal static bool Flag(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Count > 0 && (values[0] is "true" or "1" or "True" || values[0]?.Length == 0);

    private static long? Number(IQueryCollection query, string name, long min)
    {
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min)
        {
            throw new KubeletHttpException(400, $"invalid {name} \"{text}\": must be an integer of at least {min}");
        }

        return value;
    }

    [GeneratedRegex(@"^(\d+)\.log$")]
    private static partial Regex AttemptFile();
}
