using System.Text.Json.Nodes;
using k8s.Models;

namespace Skiff.Apimachinery.OpenApi;

/// <summary>
/// The <c>paths</c> of a group-version document: for each resource the collection (list, create, deletecollection),
/// the all-namespaces list, the object (read, replace, patch, delete) and each subresource, with upstream's
/// operation ids, query parameters (PATCH carries <c>fieldValidation</c>, which kubectl looks for before it sends
/// <c>?fieldValidation=Strict</c>), <c>x-kubernetes-action</c> and <c>x-kubernetes-group-version-kind</c>.
/// </summary>
internal static class OperationGenerator
{
    private const string RefPrefix = "#/components/schemas/";
    private static readonly string StatusRef = RefPrefix + SchemaNames.MetaPackage + ".Status";
    private static readonly string DeleteOptionsRef = RefPrefix + SchemaNames.MetaPackage + ".DeleteOptions";
    private static readonly string PatchRef = RefPrefix + SchemaNames.MetaPackage + ".Patch";
    private static readonly string[] PatchContentTypes =
        ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"];

    public static void AddPaths(SortedDictionary<string, JsonObject> paths, ResourceDefinition definition, Func<string, Type> subresourceModel)
    {
        var root = definition.Group.Length == 0 ? $"/api/{definition.Version}" : $"/apis/{definition.Group}/{definition.Version}";
        var scope = definition.Namespaced ? $"{root}/namespaces/{{namespace}}/{definition.Plural}" : $"{root}/{definition.Plural}";
        var id = OperationIdPart(definition);
        var kind = definition.Kind;
        var namespaced = definition.Namespaced ? "Namespaced" : string.Empty;
        var gvk = Gvk(definition.Group, definition.Version, kind);
        var objectRef = RefPrefix + SchemaNames.Of(definition.ModelType);
        var listRef = RefPrefix + SchemaNames.Of(definition.ListModelType);
        var verbs = definition.Verbs;

        var collection = new JsonObject();
        if (verbs.Contains("list"))
        {
            collection["get"] = Operation($"list{id}{namespaced}{kind}", $"list or watch objects of kind {kind}", "list", gvk, definition, ListParameters(), null, Responses(listRef, "200"));
        }

        if (verbs.Contains("create"))
        {
            collection["post"] = Operation($"create{id}{namespaced}{kind}", $"create a {kind}", "post", gvk, definition, WriteParameters(), Body(objectRef), Responses(objectRef, "200", "201", "202"));
        }

        if (verbs.Contains("deletecollection"))
        {
            collection["delete"] = Operation($"delete{id}Collection{namespaced}{kind}", $"delete collection of {kind}", "deletecollection", gvk, definition,
                [.. DeleteParameters(), .. ListParameters()], Body(DeleteOptionsRef), Responses(StatusRef, "200"));
        }

        AddPath(paths, scope, collection, definition.Namespaced ? [NamespaceParameter(), Pretty()] : [Pretty()]);

        if (definition.Namespaced && verbs.Contains("list"))
        {
            var all = new JsonObject
            {
                ["get"] = Operation($"list{id}{kind}ForAllNamespaces", $"list or watch objects of kind {kind}", "list", gvk, definition, ListParameters(), null, Responses(listRef, "200")),
            };
            AddPath(paths, $"{root}/{definition.Plural}", all, [Pretty()]);
        }

        var item = new JsonObject();
        if (verbs.Contains("get"))
        {
            item["get"] = Operation($"read{id}{namespaced}{kind}", $"read the specified {kind}", "get", gvk, definition, [], null, Responses(objectRef, "200"));
        }

        if (verbs.Contains("update"))
        {
            item["put"] = Operation($"replace{id}{namespaced}{kind}", $"replace the specified {kind}", "put", gvk, definition, WriteParameters(), Body(objectRef), Responses(objectRef, "200", "201"));
        }

        if (verbs.Contains("patch"))
        {
            item["patch"] = Operation($"patch{id}{namespaced}{kind}", $"partially update the specified {kind}", "patch", gvk, definition, PatchParameters(), PatchBody(), Responses(objectRef, "200", "201"));
        }

        if (verbs.Contains("delete"))
        {
            // Kinds whose registry returns the deleted object answer with it; the others with a Status.
            var deleted = definition.ReturnsDeletedObject ? objectRef : StatusRef;
            item["delete"] = Operation($"delete{id}{namespaced}{kind}", $"delete a {kind}", "delete", gvk, definition, DeleteParameters(), Body(DeleteOptionsRef), Responses(deleted, "200", "202"));
        }

        var itemPath = $"{scope}/{{name}}";
        AddPath(paths, itemPath, item, ItemParameters(definition, kind));

        foreach (var subresource in definition.Subresources)
        {
            var subKind = subresource.Kind;
            var subGvk = Gvk(subresource.Group ?? definition.Group, subresource.Version ?? definition.Version, subKind);
            var subRef = RefPrefix + SchemaNames.Of(subresourceModel(subresource.Name));
            var suffix = char.ToUpperInvariant(subresource.Name[0]) + subresource.Name[1..];
            var operations = new JsonObject();
            if (subresource.Verbs.Contains("get"))
            {
                operations["get"] = Operation($"read{id}{namespaced}{kind}{suffix}", $"read {subresource.Name} of the specified {kind}", "get", subGvk, definition, [], null, Responses(subRef, "200"));
            }

            if (subresource.Verbs.Contains("create"))
            {
                operations["post"] = Operation($"create{id}{namespaced}{kind}{suffix}", $"create {subresource.Name} of a {kind}", "post", subGvk, definition, WriteParameters(), Body(subRef), Responses(subRef, "200", "201", "202"));
            }

            if (subresource.Verbs.Contains("update"))
            {
                operations["put"] = Operation($"replace{id}{namespaced}{kind}{suffix}", $"replace {subresource.Name} of the specified {kind}", "put", subGvk, definition, WriteParameters(), Body(subRef), Responses(subRef, "200", "201"));
            }

            if (subresource.Verbs.Contains("patch"))
            {
                operations["patch"] = Operation($"patch{id}{namespaced}{kind}{suffix}", $"partially update {subresource.Name} of the specified {kind}", "patch", subGvk, definition, PatchParameters(), PatchBody(), Responses(subRef, "200", "201"));
            }

            AddPath(paths, $"{itemPath}/{subresource.Name}", operations, ItemParameters(definition, $"the {subKind}"));
        }
    }

    /// <summary><c>CoreV1</c>, <c>AppsV1</c>, <c>CoordinationV1</c>, <c>EventsV1</c>: upstream's operation-id infix.</summary>
    public static string OperationIdPart(ResourceDefinition definition)
    {
        var group = definition.Group.Length == 0 ? "core" : definition.Group.Split('.')[0];
        return char.ToUpperInvariant(group[0]) + group[1..] + char.ToUpperInvariant(definition.Version[0]) + definition.Version[1..];
    }

    /// <summary>upstream's tag, e.g. <c>core_v1</c>, <c>apps_v1</c>.</summary>
    public static string Tag(ResourceDefinition definition) =>
        (definition.Group.Length == 0 ? "core" : definition.Group.Split('.')[0]) + "_" + definition.Version;

    private static JsonObject Gvk(string group, string version, string kind) =>
        new() { ["group"] = group, ["kind"] = kind, ["version"] = version };

    private static void AddPath(SortedDictionary<string, JsonObject> paths, string path, JsonObject operations, JsonNode[] parameters)
    {
        if (operations.Count == 0)
        {
            return;
        }

        var entry = new JsonObject();
        foreach (var method in new[] { "delete", "get", "parameters", "patch", "post", "put" })
        {
            if (method == "parameters")
            {
                entry["parameters"] = new JsonArray(parameters);
            }
            else if (operations[method] is { } operation)
            {
                operations.Remove(method);
                entry[method] = operation;
            }
        }

        paths[path] = entry;
    }

    private static JsonObject Operation(string operationId, string description, string action, JsonObject gvk, ResourceDefinition definition,
        JsonNode[] parameters, JsonObject? body, JsonObject responses)
    {
        var operation = new JsonObject { ["description"] = description, ["operationId"] = operationId };
        if (parameters.Length > 0)
        {
            operation["parameters"] = new JsonArray(parameters);
        }

        if (body is not null)
        {
            operation["requestBody"] = body;
        }

        operation["responses"] = responses;
        operation["tags"] = new JsonArray(Tag(definition));
        operation["x-kubernetes-action"] = action;
        operation["x-kubernetes-group-version-kind"] = gvk.DeepClone();
        return operation;
    }

    private static JsonObject Responses(string schemaRef, params string[] codes)
    {
        var responses = new JsonObject();
        foreach (var code in codes)
        {
            responses[code] = new JsonObject
            {
                ["content"] = new JsonObject
                {
                    ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = schemaRef } },
                    ["application/yaml"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = schemaRef } },
                },
                ["description"] = code switch { "200" => "OK", "201" => "Created", _ => "Accepted" },
            };
        }

        responses["401"] = new JsonObject { ["description"] = "Unauthorized" };
        return responses;
    }

    private static JsonObject Body(string schemaRef) => new()
    {
        ["content"] = new JsonObject { ["*/*"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = schemaRef } } },
        ["required"] = true,
    };

    private static JsonObject PatchBody()
    {
        var content = new JsonObject();
        foreach (var type in PatchContentTypes)
        {
            content[type] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = PatchRef } };
        }

        return new JsonObject { ["content"] = content, ["required"] = true };
    }

    private static JsonNode[] ItemParameters(ResourceDefinition definition, string what) => definition.Namespaced
        ? [PathParameter("name", $"name of {what}"), NamespaceParameter(), Pretty()]
        : [PathParameter("name", $"name of {what}"), Pretty()];

    private static JsonObject PathParameter(string name, string description) => new()
    {
        ["description"] = description,
        ["in"] = "path",
        ["name"] = name,
        ["required"] = true,
        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };

    private static JsonObject NamespaceParameter() => PathParameter("namespace", "object name and auth scope, such as for teams and projects");

    private static JsonObject Pretty() => Query("pretty", "string", "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).");

    private static JsonObject Query(string name, string type, string description)
    {
        var schema = new JsonObject { ["type"] = type, ["uniqueItems"] = true };
        return new JsonObject { ["description"] = description, ["in"] = "query", ["name"] = name, ["schema"] = schema };
    }

    private static JsonNode[] WriteParameters() =>
    [
        Query("dryRun", "string", "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed"),
        Query("fieldManager", "string", "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint."),
        FieldValidation(),
    ];

    private static JsonNode[] PatchParameters() =>
    [
        .. WriteParameters(),
        Query("force", "boolean", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests."),
    ];

    private static JsonObject FieldValidation() => Query("fieldValidation", "string",
        "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.");

    private static JsonNode[] DeleteParameters() =>
    [
        Query("dryRun", "string", "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed"),
        Query("gracePeriodSeconds", "integer", "The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately."),
        Query("propagationPolicy", "string", "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground."),
    ];

    private static JsonNode[] ListParameters() =>
    [
        Query("allowWatchBookmarks", "boolean", "allowWatchBookmarks requests watch events with type \"BOOKMARK\". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server's discretion."),
        Query("continue", "string", "The continue option should be set when retrieving more results from the server."),
        Query("fieldSelector", "string", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
        Query("labelSelector", "string", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
        Query("limit", "integer", "limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results."),
        Query("resourceVersion", "string", "resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details. Defaults to unset"),
        Query("resourceVersionMatch", "string", "resourceVersionMatch determines how resourceVersion is applied to list calls. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details. Defaults to unset"),
        Query("timeoutSeconds", "integer", "Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity."),
        Query("watch", "boolean", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications."),
    ];

    internal static Type ModelOf(string subresource, ResourceDefinition definition) => subresource switch
    {
        "scale" => typeof(V1Scale),
        "binding" => typeof(V1Binding),
        _ => definition.ModelType,
    };
}
