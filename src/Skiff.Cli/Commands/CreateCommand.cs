using System.CommandLine;
using Skiff.Cli.Api;
using Skiff.Cli.Manifests;

namespace Skiff.Cli.Commands;

/// <summary><c>kubectl create -f</c>: POSTs every object, printing <c>kind/name created</c>.</summary>
public static class CreateCommand
{
    public static Command Create(GlobalOptions global)
    {
        ArgumentNullException.ThrowIfNull(global);
        var files = new Option<string[]>("--filename", "-f") { Description = "Files, directories or - for stdin", AllowMultipleArgumentsPerToken = false, Required = true };
        var recursive = new Option<bool>("--recursive", "-R") { Description = "Process directories recursively" };
        var validate = new Option<string?>("--validate") { Description = "Accepted for kubectl compatibility; the server validates" };
        var command = new Command("create", "Create a resource from a file or from stdin") { files, recursive, validate };
        command.SetAction((parse, ct) => global.RunAsync(parse, async session =>
        {
            var api = await session.ApiAsync();
            var discovery = await session.DiscoveryAsync(ct);
            var manifests = await ManifestReader.ReadAsync(parse.GetValue(files) ?? [], session.In, parse.GetValue(recursive), ct);
            var exit = 0;
            foreach (var target in ManifestTargets.Resolve(manifests, discovery, await session.ConfigAsync()))
            {
                try
                {
                    await api.RequestJsonAsync(HttpMethod.Post, target.Resource.CollectionPath(target.Namespace) + "?fieldManager=kubectl-create",
                        ApiClient.JsonAccept, target.Manifest.Object, "application/json", "post", target.Resource.Name, ct);
                    await session.Out.WriteLineAsync($"{target.Display} created");
                }
                catch (ApiException ex)
                {
                    await session.Err.WriteLineAsync(ex.WithPrefix($"error when creating \"{target.Manifest.Source}\": ").ToKubectlMessage());
                    exit = 1;
                }
            }

            return exit;
        }));
        return command;
    }
}
