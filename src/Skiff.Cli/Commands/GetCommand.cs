using System.CommandLine;
using System.Text.Json.Nodes;
using Skiff.Cli.Api;
using Skiff.Cli.Printing;

namespace Skiff.Cli.Commands;

/// <summary><c>kubectl get</c>: tables from the server's Table responses, or json/yaml/name/jsonpath, optionally watching.</summary>
public static class GetCommand
{
    public static Command Create(GlobalOptions global)
    {
        ArgumentNullException.ThrowIfNull(global);
        var args = new Argument<string[]>("resources") { Arity = ArgumentArity.ZeroOrMore, Description = "TYPE[,TYPE] [NAME...] or TYPE/NAME..." };
        var output = new Option<string?>("--output", "-o") { Description = "Output format: json|yaml|name|wide|jsonpath=..." };
        var selector = new Option<string?>("--selector", "-l") { Description = "Label selector" };
        var fieldSelector = new Option<string?>("--field-selector") { Description = "Field selector" };
        var allNamespaces = new Option<bool>("--all-namespaces", "-A") { Description = "List across all namespaces" };
        var watch = new Option<bool>("--watch", "-w") { Description = "Watch for changes after listing" };
        var noHeaders = new Option<bool>("--no-headers") { Description = "Don't print headers" };
        var showKind = new Option<bool>("--show-kind") { Description = "Print the kind with the name" };
        var showManagedFields = new Option<bool>("--show-managed-fields") { Description = "Keep the managedFields when printing objects in JSON or YAML format" };
        var command = new Command("get", "Display one or many resources") { args, output, selector, fieldSelector, allNamespaces, watch, noHeaders, showKind, showManagedFields };
        command.SetAction((parse, ct) => global.RunAsync(parse, session => new GetRunner(session, new GetOptions(
            parse.GetValue(args) ?? [],
            OutputFormat.Parse(parse.GetValue(output)) with { ShowManagedFields = parse.GetValue(showManagedFields) },
            parse.GetValue(selector),
            parse.GetValue(fieldSelector),
            parse.GetValue(allNamespaces),
            parse.GetValue(watch),
            parse.GetValue(noHeaders),
            parse.GetValue(showKind))).RunAsync(ct)));
        return command;
    }
}

public sealed record GetOptions(
    IReadOnlyList<string> Arguments,
    OutputFormat Output,
    string? LabelSelector,
    string? FieldSelector,
    bool AllNamespaces,
    bool Watch,
    bool NoHeaders,
    bool ShowKind);

/// <summary>The work of one <c>get</c>.</summary>
public sealed class GetRunner
{
    private readonly KubectlSession _session;
    private readonly GetOptions _options;

    public GetRunner(KubectlSession session, GetOptions options)
    {
        _session = session;
        _options = options;
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var api = await _session.ApiAsync();
        var discovery = await _session.DiscoveryAsync(cancellationToken);
        var ns = await _session.NamespaceAsync();
        var requests = ResourceArguments.Parse(_options.Arguments, discovery);
        if (_options.Watch && requests.Count > 1)
        {
            throw new CliException("you may only specify a single resource type");
        }

        var errors = new List<ApiException>();
        var exitCode = _options.Output.IsHuman
            ? await PrintTablesAsync(api, requests, ns, errors, cancellationToken)
            : await PrintDocumentsAsync(api, requests, ns, errors, cancellationToken);
        foreach (var error in errors)
        {
            await _session.Err.WriteLineAsync(error.ToKubectlMessage());
        }

        return errors.Count > 0 ? 1 : exitCode;
    }

    private string? NamespaceFor(ApiResource resource, string ns) =>
        !resource.Namespaced || _options.AllNamespaces ? null : ns;

    private string ListQuery(string? resourceVersion = null, bool watch = false, string? extraFieldSelector = null)
    {
        var fieldSelector = string.Join(',', new[] { _options.FieldSelector, extraFieldSelector }.Where(s => !string.IsNullOrEmpty(s)));
        return Query.Build(
            ("labelSelector", _options.LabelSelector),
            ("fieldSelector", fieldSelector),
            ("limit", watch ? null : "500"),
            ("resourceVersion", resourceVersion),
            ("watch", watch ? "true" : null));
    }

    private async Task<int> PrintTablesAsync(ApiClient api, IReadOnlyList<ResourceRequest> requests, string ns, List<ApiException> errors, CancellationToken cancellationToken)
    {
        var multipleKinds = requests.Count > 1 || _options.ShowKind;
        var printedAny = false;
        string? resourceVersion = null;
        TablePrinter? printer = null;
        foreach (var request in requests)
        {
            var resource = request.Resource;
            var path = resource.CollectionPath(NamespaceFor(resource, ns));
            var tables = new List<JsonObject>();
            if (request.Names.Count == 0)
            {
                string? continueToken = null;
                do
                {
                    var query = ListQuery();
                    if (continueToken is not null)
                    {
                        query += "&continue=" + Uri.EscapeDataString(continueToken);
                    }

                    var table = await api.GetAsync(path + query, ApiClient.TableAccept, resource.QualifiedName, cancellationToken);
                    tables.Add(table);
                    resourceVersion = (string?)table["metadata"]?["resourceVersion"];
                    continueToken = (string?)table["metadata"]?["continue"];
                }
                while (!string.IsNullOrEmpty(continueToken));
            }
            else
            {
                foreach (var name in request.Names)
                {
                    try
                    {
                        tables.Add(await api.GetAsync(resource.ObjectPath(NamespaceFor(resource, ns), name), ApiClient.TableAccept, $"{resource.QualifiedName} {name}", cancellationToken));
                    }
                    catch (ApiException ex)
                    {
                        errors.Add(ex);
                    }
                }
            }

            if (tables.Sum(TablePrinter.RowCount) == 0 && !_options.Watch)
            {
                continue;
            }

            if (printer is not null)
            {
                await printer.FlushAsync(cancellationToken);
                await _session.Out.WriteAsync("\n");
            }

            printer = new TablePrinter(_session.Out, new TableOptions(
                _options.Output.Kind == OutputKind.Wide,
                _options.AllNamespaces && resource.Namespaced,
                multipleKinds ? resource.KindPrefix : null,
                _options.NoHeaders));
            for (var i = 0; i < tables.Count; i++)
            {
                printer.Add(tables[i], printHeader: i == 0);
            }

            printedAny |= tables.Sum(TablePrinter.RowCount) > 0;
        }

        if (printer is not null)
        {
            await printer.FlushAsync(cancellationToken);
        }

        if (!printedAny && errors.Count == 0)
        {
            await _session.Err.WriteLineAsync(NoResourcesMessage(requests, ns));
        }

        if (_options.Watch && printer is not null)
        {
            var request = requests[0];
            var nameSelector = request.Names.Count == 1 ? "metadata.name=" + request.Names[0] : null;
            var path = request.Resource.CollectionPath(NamespaceFor(request.Resource, ns)) + ListQuery(resourceVersion, watch: true, nameSelector);
            await WatchAsync(path, cancellationToken, async evt =>
            {
                if (evt["object"] is JsonObject { } table && (string?)table["kind"] == "Table")
                {
                    printer.Add(table, printHeader: false);
                    await printer.FlushAsync(cancellationToken);
                }
            });
        }

        return 0;
    }

    private string NoResourcesMessage(IReadOnlyList<ResourceRequest> requests, string ns) =>
        _options.AllNamespaces || requests.All(r => !r.Resource.Namespaced)
            ? "No resources found"
            : $"No resources found in {ns} namespace.";

    private async Task WatchAsync(string path, CancellationToken cancellationToken, Func<JsonObject, Task> onEvent)
    {
        var api = await _session.ApiAsync();
        try
        {
            await foreach (var evt in api.WatchAsync(path, _options.Output.IsHuman ? ApiClient.TableAccept : ApiClient.JsonAccept, "", cancellationToken))
            {
                await onEvent(evt);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task<int> PrintDocumentsAsync(ApiClient api, IReadOnlyList<ResourceRequest> requests, string ns, List<ApiException> errors, CancellationToken cancellationToken)
    {
        var items = new List<JsonObject>();
        string? resourceVersion = null;
        foreach (var request in requests)
        {
            var resource = request.Resource;
            var path = resource.CollectionPath(NamespaceFor(resource, ns));
            if (request.Names.Count == 0)
            {
                string? continueToken = null;
                do
                {
                    var query = ListQuery();
                    if (continueToken is not null)
                    {
                        query += "&continue=" + Uri.EscapeDataString(continueToken);
                    }

                    var list = await api.GetAsync(path + query, ApiClient.JsonAccept, resource.QualifiedName, cancellationToken);
                    foreach (var item in list["items"]?.AsArray().OfType<JsonObject>() ?? [])
                    {
                        items.Add(WithTypeMeta(item.DeepClone().AsObject(), resource));
                    }

                    resourceVersion = (string?)list["metadata"]?["resourceVersion"];
                    continueToken = (string?)list["metadata"]?["continue"];
                }
                while (!string.IsNullOrEmpty(continueToken));
            }
            else
            {
                foreach (var name in request.Names)
                {
                    try
                    {
                        items.Add(WithTypeMeta(await api.GetAsync(resource.ObjectPath(NamespaceFor(resource, ns), name), ApiClient.JsonAccept, $"{resource.QualifiedName} {name}", cancellationToken), resource));
                    }
                    catch (ApiException ex)
                    {
                        errors.Add(ex);
                    }
                }
            }
        }

        var singleItemImplied = requests.Count == 1 && requests[0].Names.Count == 1;
        if (_options.Output.Kind == OutputKind.Name)
        {
            foreach (var item in items)
            {
                await _session.Out.WriteLineAsync(NameOf(item, requests));
            }
        }
        else if (singleItemImplied && items.Count == 1)
        {
            await _session.Out.WriteAsync(_options.Output.Render(items[0]));
        }
        else if (!(singleItemImplied && items.Count == 0))
        {
            var list = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["items"] = new JsonArray([.. items]),
                ["kind"] = "List",
                ["metadata"] = new JsonObject { ["resourceVersion"] = string.Empty },
            };
            await _session.Out.WriteAsync(_options.Output.Render(list));
        }

        await _session.Out.FlushAsync(cancellationToken);
        if (_options.Watch)
        {
            var request = requests[0];
            var nameSelector = request.Names.Count == 1 ? "metadata.name=" + request.Names[0] : null;
            var path = request.Resource.CollectionPath(NamespaceFor(request.Resource, ns)) + ListQuery(resourceVersion, watch: true, nameSelector);
            await WatchAsync(path, cancellationToken, async evt =>
            {
                if (evt["object"] is JsonObject obj && (string?)evt["type"] is "ADDED" or "MODIFIED" or "DELETED")
                {
                    var text = _options.Output.Kind == OutputKind.Name
                        ? NameOf(WithTypeMeta(obj, request.Resource), requests) + "\n"
                        : _options.Output.Render(WithTypeMeta(obj, request.Resource));
                    await _session.Out.WriteAsync(text);
                    await _session.Out.FlushAsync(cancellationToken);
                }
            });
        }

        return 0;
    }

    private static JsonObject WithTypeMeta(JsonObject item, ApiResource resource)
    {
        item["apiVersion"] ??= resource.GroupVersion;
        item["kind"] ??= resource.Kind;
        return item;
    }

    private static string NameOf(JsonObject item, IReadOnlyList<ResourceRequest> requests)
    {
        var kind = (string?)item["kind"] ?? string.Empty;
        var apiVersion = (string?)item["apiVersion"] ?? string.Empty;
        var group = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;
        var resource = requests.Select(r => r.Resource).FirstOrDefault(r => r.Kind == kind && r.Group == group);
        var prefix = resource?.KindPrefix ?? (group.Length == 0 ? kind.ToLowerInvariant() : $"{kind.ToLowerInvariant()}.{group}");
        return $"{prefix}/{(string?)item["metadata"]?["name"]}";
    }
}
