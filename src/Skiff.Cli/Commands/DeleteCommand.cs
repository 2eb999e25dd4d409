using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Skiff.Cli.Api;
using Skiff.Cli.Manifests;

namespace Skiff.Cli.Commands;

/// <summary>
/// <c>kubectl delete</c> by names, <c>TYPE/NAME</c>, <c>-f</c>, <c>-l</c> or <c>--all</c>: one DELETE per object
/// (background propagation), <c>kind "name" deleted</c>, then waits for each object to be gone through a watch.
/// </summary>
public static class DeleteCommand
{
    public static Command Create(GlobalOptions global)
    {
        ArgumentNullException.ThrowIfNull(global);
        var args = new Argument<string[]>("resources") { Arity = ArgumentArity.ZeroOrMore };
        var files = new Option<string[]>("--filename", "-f") { Description = "Files, directories or - for stdin" };
        var recursive = new Option<bool>("--recursive", "-R") { Description = "Process directories recursively" };
        var selector = new Option<string?>("--selector", "-l") { Description = "Label selector" };
        var all = new Option<bool>("--all") { Description = "Delete all resources of the type in the namespace" };
        var wait = new Option<bool>("--wait") { Description = "Wait for the objects to be gone", DefaultValueFactory = _ => true };
        var gracePeriod = new Option<int>("--grace-period") { Description = "Seconds given to the object to terminate (-1: its default)", DefaultValueFactory = _ => -1 };
        var force = new Option<bool>("--force") { Description = "Immediate deletion (with --grace-period=0)" };
        var now = new Option<bool>("--now") { Description = "Grace period of 1 second" };
        var ignoreNotFound = new Option<bool>("--ignore-not-found") { Description = "Treat not found as success" };
        var command = new Command("delete", "Delete resources by file names, stdin, resources and names, or by resources and label selector")
        {
            args, files, recursive, selector, all, wait, gracePeriod, force, now, ignoreNotFound,
        };
        command.SetAction((parse, ct) => global.RunAsync(parse, async session =>
        {
            var grace = parse.GetValue(gracePeriod);
            if (parse.GetValue(now))
            {
                grace = 1;
            }

            if (parse.GetValue(force) && grace < 0)
            {
                grace = 0;
            }

            if (parse.GetValue(force) && grace == 0)
            {
                await session.Err.WriteLineAsync("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.");
            }

            return await RunAsync(session, parse.GetValue(args) ?? [], parse.GetValue(files) ?? [], parse.GetValue(recursive), parse.GetValue(selector),
                parse.GetValue(all), parse.GetValue(wait), grace, parse.GetValue(ignoreNotFound), ct);
        }));
        return command;
    }

    private static async Task<int> RunAsync(
        KubectlSession session, string[] args, string[] files, bool recursive, string? selector, bool all, bool wait, int gracePeriod, bool ignoreNotFound, CancellationToken cancellationToken)
    {
        var api = await session.ApiAsync();
        var discovery = await session.DiscoveryAsync(cancellationToken);
        var ns = await session.NamespaceAsync();
        var targets = new List<(ApiResource Resource, string? Namespace, string Name)>();
        if (files.Length > 0)
        {
            var manifests = await ManifestReader.ReadAsync(files, session.In, recursive, cancellationToken);
            targets.AddRange(ManifestTargets.Resolve(manifests, discovery, await session.ConfigAsync()).Select(t => (t.Resource, t.Namespace, t.Manifest.Name)));
        }
        else
        {
            if (args.Length == 0)
            {
                throw new CliException("You must provide one or more resources by argument or filename.");
            }

            foreach (var request in ResourceArguments.Parse(args, discovery))
            {
                var scope = request.Resource.Namespaced ? ns : null;
                if (request.Names.Count > 0)
                {
                    targets.AddRange(request.Names.Select(n => (request.Resource, scope, n)));
                    continue;
                }

                if (!all && string.IsNullOrEmpty(selector))
                {
                    throw new CliException("resource(s) were provided, but no name was specified");
                }

                var list = await api.GetAsync(request.Resource.CollectionPath(scope) + Query.Build(("labelSelector", selector)), ApiClient.JsonAccept, request.Resource.QualifiedName, cancellationToken);
                targets.AddRange((list["items"]?.AsArray().OfType<JsonObject>() ?? []).Select(i => (request.Resource, scope, (string?)i["metadata"]?["name"] ?? string.Empty)));
            }

            if (targets.Count == 0)
            {
                await session.Err.WriteLineAsync("No resources found");
                return 0;
            }
        }

        var body = new JsonObject { ["propagationPolicy"] = "Background" };
        if (gracePeriod >= 0)
        {
            body["gracePeriodSeconds"] = gracePeriod;
        }

        var exit = 0;
        var deleted = new List<(ApiResource Resource, string? Namespace, string Name, string? Uid)>();
        foreach (var (resource, scope, name) in targets)
        {
            try
            {
                var response = await api.RequestJsonAsync(HttpMethod.Delete, resource.ObjectPath(scope, name), ApiClient.JsonAccept, body, "application/json", "delete", $"{resource.QualifiedName} {name}", cancellationToken);
                await session.Out.WriteLineAsync($"{resource.KindPrefix} \"{name}\" deleted");
                await session.Out.FlushAsync(cancellationToken);
                deleted.Add((resource, scope, name, (string?)response["metadata"]?["uid"] ?? (string?)response["details"]?["uid"]));
            }
            catch (ApiException ex) when (ex.IsNotFound && ignoreNotFound)
            {
            }
            catch (ApiException ex)
            {
                await session.Err.WriteLineAsync(ex.ToKubectlMessage());
                exit = 1;
            }
        }

        if (wait)
        {
            foreach (var (resource, scope, name, uid) in deleted)
            {
                await WaitForDeletionAsync(api, resource, scope, name, uid, cancellationToken);
            }
        }

        return exit;
    }

    /// <summary>Returns once the object is gone (404, a DELETED event, or a new object with another uid under the name).</summary>
    private static async Task WaitForDeletionAsync(ApiClient api, ApiResource resource, string? ns, string name, string? uid, CancellationToken cancellationToken)
    {
        while (true)
        {
            var list = await api.GetAsync(resource.CollectionPath(ns) + Query.Build(("fieldSelector", "metadata.name=" + name)), ApiClient.JsonAccept, resource.QualifiedName, cancellationToken);
            var live = list["items"]?.AsArray().OfType<JsonObject>().FirstOrDefault();
            if (live is null || (uid is not null && (string?)live["metadata"]?["uid"] != uid))
            {
                return;
            }

            var path = resource.CollectionPath(ns) + Query.Build(
                ("fieldSelector", "metadata.name=" + name),
                ("resourceVersion", (string?)list["metadata"]?["resourceVersion"]),
                ("timeoutSeconds", 300.ToString(CultureInfo.InvariantCulture)),
                ("watch", "true"));
            await foreach (var evt in api.WatchAsync(path, ApiClient.JsonAccept, resource.QualifiedName, cancellationToken))
            {
                if ((string?)evt["type"] == "DELETED")
                {
                    return;
                }

                if ((string?)evt["type"] == "ERROR")
                {
                    break; // e.g. 410 Gone: list again and watch from there
                }
            }
        }
    }
}
