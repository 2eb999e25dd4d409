using System.CommandLine;
using Skiff.Cli.Api;
using Skiff.Cli.Printing;

namespace Skiff.Cli.Commands;

/// <summary><c>kubectl api-resources</c>: the served resources from discovery, as kubectl's table.</summary>
public static class ApiResourcesCommand
{
    public static Command Create(GlobalOptions global)
    {
        ArgumentNullException.ThrowIfNull(global);
        var output = new Option<string?>("--output", "-o") { Description = "wide or name" };
        var namespaced = new Option<bool?>("--namespaced") { Description = "Only namespaced (true) or cluster-scoped (false) resources" };
        var apiGroup = new Option<string?>("--api-group") { Description = "Only resources of this API group" };
        var noHeaders = new Option<bool>("--no-headers") { Description = "Don't print headers" };
        var command = new Command("api-resources", "Print the supported API resources on the server") { output, namespaced, apiGroup, noHeaders };
        command.SetAction((parse, ct) => global.RunAsync(parse, async session =>
        {
            var discovery = await session.DiscoveryAsync(ct);
            IEnumerable<ApiResource> resources = discovery.Resources;
            if (parse.GetValue(namespaced) is { } onlyNamespaced)
            {
                resources = resources.Where(r => r.Namespaced == onlyNamespaced);
            }

            if (parse.GetValue(apiGroup) is { } group)
            {
                resources = resources.Where(r => r.Group == group);
            }

            resources = resources.Where(r => r.Verbs.Count > 0)
                .OrderBy(r => r.Group, StringComparer.Ordinal)
                .ThenBy(r => r.Name, StringComparer.Ordinal)
                .ToList();
            var format = parse.GetValue(output);
            if (format == "name")
            {
                foreach (var r in resources)
                {
                    await session.Out.WriteLineAsync(r.Group.Length == 0 ? r.Name : $"{r.Name}.{r.Group}");
                }

                return 0;
            }

            var wide = format == "wide";
            if (format is not null and not "wide")
            {
                throw new CliException($"--output {format} is not available");
            }

            var writer = new TabWriter(session.Out);
            if (!parse.GetValue(noHeaders))
            {
                writer.AddRow(wide
                    ? ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS", "CATEGORIES"]
                    : ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]);
            }

            foreach (var r in resources)
            {
                var row = new List<string> { r.Name, string.Join(',', r.ShortNames), r.GroupVersion, r.Namespaced ? "true" : "false", r.Kind };
                if (wide)
                {
                    row.Add("[" + string.Join(' ', r.Verbs) + "]");
                    row.Add(string.Join(',', r.Categories));
                }

                writer.AddRow(row);
            }

            await writer.FlushAsync(ct);
            return 0;
        }));
        return command;
    }
}
