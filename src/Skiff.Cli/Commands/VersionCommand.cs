using Skiff.Api.Json;
using System.CommandLine;
using System.Text.Json.Nodes;
using Skiff.Cli.Api;
using Skiff.Cli.Printing;

namespace Skiff.Cli.Commands;

/// <summary><c>kubectl version</c>: this client's version and the server's <c>/version</c>.</summary>
public static class VersionCommand
{
    public static Command Create(GlobalOptions global)
    {
        ArgumentNullException.ThrowIfNull(global);
        var clientOnly = new Option<bool>("--client") { Description = "Client version only" };
        var output = new Option<string?>("--output", "-o") { Description = "json or yaml" };
        var command = new Command("version", "Print the client and server version information") { clientOnly, output };
        command.SetAction((parse, ct) => global.RunAsync(parse, async session =>
        {
            var clientVersion = "v" + (typeof(VersionCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0") + "-skiff";
            JsonObject? server = null;
            if (!parse.GetValue(clientOnly))
            {
                server = await (await session.ApiAsync()).GetAsync("/version", "application/json, */*", "", ct);
            }

            var format = parse.GetValue(output);
            if (format is "json" or "yaml")
            {
                var doc = new JsonObject { ["clientVersion"] = new JsonObject { ["gitVersion"] = clientVersion } };
                if (server is not null)
                {
                    doc["serverVersion"] = server.DeepClone();
                }

                await session.Out.WriteAsync(format == "json" ? GoJson.Indented(doc) + "\n" : GoYaml.Serialize(doc));
                return 0;
            }

            if (!string.IsNullOrEmpty(format))
            {
                throw new CliException("--output must be 'yaml' or 'json'");
            }

            await session.Out.WriteLineAsync($"Client Version: {clientVersion}");
            if (server is not null)
            {
                await session.Out.WriteLineAsync($"Server Version: {(string?)server["gitVersion"]}");
            }

            return 0;
        }));
        return command;
    }
}
