using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Skiff.Cli.Api;

namespace Skiff.Cli.Commands;

/// <summary><c>kubectl logs [-f] [-c CONTAINER] POD</c>: streams <c>pods/{name}/log</c> to stdout unchanged.</summary>
public static class LogsCommand
{
    public static Command Create(GlobalOptions global)
    {
        ArgumentNullException.ThrowIfNull(global);
        var pod = new Argument<string>("pod");
        var container = new Option<string?>("--container", "-c") { Description = "Container name" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Stream the logs" };
        var previous = new Option<bool>("--previous", "-p") { Description = "The previous instance of the container" };
        var tail = new Option<long>("--tail") { Description = "Lines of recent log to show (-1: all)", DefaultValueFactory = _ => -1 };
        var timestamps = new Option<bool>("--timestamps") { Description = "Include timestamps" };
        var since = new Option<string?>("--since") { Description = "Only logs newer than a duration like 5s, 2m, 3h" };
        var limitBytes = new Option<long>("--limit-bytes") { Description = "Maximum bytes of logs" };
        var command = new Command("logs", "Print the logs for a container in a pod") { pod, container, follow, previous, tail, timestamps, since, limitBytes };
        command.SetAction((parse, ct) => global.RunAsync(parse, async session =>
        {
            var api = await session.ApiAsync();
            var ns = await session.NamespaceAsync();
            var name = parse.GetValue(pod)!;
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0)
            {
                var type = name[..slash];
                if (type is not ("pod" or "pods" or "po"))
                {
                    throw new CliException($"cannot get the logs from {type}: only pods are supported by skiff kubectl logs");
                }

                name = name[(slash + 1)..];
            }

            var podPath = $"/api/v1/namespaces/{Uri.EscapeDataString(ns)}/pods/{Uri.EscapeDataString(name)}";
            JsonObject podObject;
            try
            {
                podObject = await api.GetAsync(podPath, "application/json, */*", $"pods {name}", ct);
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                throw new CliException($"error from server (NotFound): {ex.Message} in namespace \"{ns}\"");
            }

            var (chosen, notice) = PodContainers.Choose(podObject, parse.GetValue(container));
            if (notice is not null)
            {
                await session.Err.WriteLineAsync(notice);
            }

            var tailLines = parse.GetValue(tail);
            var bytes = parse.GetValue(limitBytes);
            var query = Query.Build(
                ("container", chosen),
                ("follow", parse.GetValue(follow) ? "true" : null),
                ("limitBytes", bytes > 0 ? bytes.ToString(CultureInfo.InvariantCulture) : null),
                ("previous", parse.GetValue(previous) ? "true" : null),
                ("sinceSeconds", parse.GetValue(since) is { } s ? ((long)ParseDuration(s).TotalSeconds).ToString(CultureInfo.InvariantCulture) : null),
                ("tailLines", tailLines >= 0 ? tailLines.ToString(CultureInfo.InvariantCulture) : null),
                ("timestamps", parse.GetValue(timestamps) ? "true" : null));
            using var response = await api.SendAsync(HttpMethod.Get, podPath + "/log" + query, "application/json, */*", null, streaming: true, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw ApiException.FromResponse(response.StatusCode, await response.Content.ReadAsStringAsync(ct), "get", $"pods {name}");
            }

            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new char[8192];
            using var reader = new StreamReader(stream);
            try
            {
                int read;
                while ((read = await reader.ReadAsync(buffer.AsMemory(), ct)) > 0)
                {
                    await session.Out.WriteAsync(buffer.AsMemory(0, read), ct);
                    await session.Out.FlushAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }

            return 0;
        }));
        return command;
    }

    /// <summary>Go durations as kubectl's <c>--since</c> takes them: <c>10s</c>, <c>5m</c>, <c>1h30m</c>.</summary>
    internal static TimeSpan ParseDuration(string text)
    {
        var total = TimeSpan.Zero;
        var number = string.Empty;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsDigit(c) || c == '.')
            {
                number += c;
                continue;
            }

            var unit = c.ToString();
            if (c == 'm' && i + 1 < text.Length && text[i + 1] == 's')
            {
                unit = "ms";
                i++;
            }

            if (number.Length == 0)
            {
                throw new CliException($"invalid duration \"{text}\"");
            }

            var value = double.Parse(number, CultureInfo.InvariantCulture);
            total += unit switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                _ => throw new CliException($"invalid duration \"{text}\""),
            };
            number = string.Empty;
        }

        if (number.Length > 0)
        {
            throw new CliException($"invalid duration \"{text}\"");
        }

        return total;
    }
}
