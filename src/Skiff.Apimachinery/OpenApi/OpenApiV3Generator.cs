using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;

namespace Skiff.Apimachinery.OpenApi;

/// <summary>One served OpenAPI v3 document: <c>/openapi/v3/{Path}</c>, its bytes and content hash.</summary>
/// <param name="Path">e.g. <c>api/v1</c> or <c>apis/apps/v1</c> (no leading slash, as in the index).</param>
/// <param name="Json">The document, UTF-8 JSON, served as is with <c>Content-Type: application/json</c>.</param>
/// <param name="Hash">Upper-case hex SHA-512 of <paramref name="Json"/>, the <c>?hash=</c> of the index.</param>
public sealed record OpenApiV3Document(string Path, byte[] Json, string Hash)
{
    /// <summary>The URL the index points at: <c>/openapi/v3/api/v1?hash=...</c>.</summary>
    public string ServerRelativeUrl => $"/openapi/v3/{Path}?hash={Hash}";
}

/// <summary>The <c>/openapi/v3</c> index and every group-version document.</summary>
public sealed class OpenApiV3Documents
{
    internal OpenApiV3Documents(byte[] index, IReadOnlyDictionary<string, OpenApiV3Document> documents)
    {
        IndexJson = index;
        Documents = documents;
    }

    /// <summary><c>{"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=..."},...}}</c>.</summary>
    public byte[] IndexJson { get; }

    /// <summary>Documents by path (<c>api/v1</c>, <c>apis/apps/v1</c>, ...).</summary>
    public IReadOnlyDictionary<string, OpenApiV3Document> Documents { get; }

    /// <summary>The document for a request path after <c>/openapi/v3/</c>, e.g. <c>apis/apps/v1</c>; null if none.</summary>
    public OpenApiV3Document? Find(string path) => Documents.GetValueOrDefault(path.Trim('/'));
}

/// <summary>
/// Generates Skiff's OpenAPI v3 from the resource catalog and the KubernetesClient model types: one document per
/// group-version with upstream schema names, <c>x-kubernetes-group-version-kind</c>, required fields, types and
/// formats, descriptions from the client's XML docs (what <c>kubectl explain</c> prints), and every operation,
/// including the PATCH operations with the <c>fieldValidation</c> parameter that <c>kubectl create/apply -f</c> checks
/// for. Output is deterministic (sorted keys), so hashes only change when content does.
/// </summary>
public sealed class OpenApiV3Generator(ResourceCatalog catalog, KubernetesClientDocs docs)
{
    // Upstream writes descriptions with raw '<', '>' and '&'; the output is served as JSON, never embedded in HTML.
    private static readonly JsonSerializerOptions Output = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Generator with the client's XML docs found as <see cref="KubernetesClientDocs.Load"/> does.</summary>
    public OpenApiV3Generator(ResourceCatalog catalog)
        : this(catalog, KubernetesClientDocs.Load())
    {
    }

    /// <summary>The <c>info.version</c> of the documents: the Kubernetes version Skiff reports.</summary>
    public string Version { get; init; } = "v1.32.4";

    public OpenApiV3Documents Generate()
    {
        var documents = new SortedDictionary<string, OpenApiV3Document>(StringComparer.Ordinal);
        foreach (var groupVersion in catalog.GroupVersions)
        {
            var json = GenerateDocument(groupVersion);
            var hash = Convert.ToHexString(SHA512.HashData(json));
            documents[groupVersion.PathSegment] = new OpenApiV3Document(groupVersion.PathSegment, json, hash);
        }

        var paths = new JsonObject();
        foreach (var (path, document) in documents)
        {
            paths[path] = new JsonObject { ["serverRelativeURL"] = document.ServerRelativeUrl };
        }

        var index = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["paths"] = paths }, Output);
        return new OpenApiV3Documents(index, documents);
    }

    /// <summary>The document of one group-version as UTF-8 JSON.</summary>
    public byte[] GenerateDocument(GroupVersion groupVersion)
    {
        var definitions = catalog.InGroupVersion(groupVersion.Group, groupVersion.Version);
        var gvks = new Dictionary<Type, List<JsonObject>>();
        var roots = new List<Type>();
        void AddRoot(Type type, string group, string version, string kind)
        {
            roots.Add(type);
            if (!gvks.TryGetValue(type, out var list))
            {
                gvks[type] = list = [];
            }

            if (!list.Any(g => (string?)g["group"] == group && (string?)g["version"] == version && (string?)g["kind"] == kind))
            {
                list.Add(new JsonObject { ["group"] = group, ["kind"] = kind, ["version"] = version });
            }
        }

        var paths = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            AddRoot(definition.ModelType, definition.Group, definition.Version, definition.Kind);
            AddRoot(definition.ListModelType, definition.Group, definition.Version, definition.ListKind);
            foreach (var subresource in definition.Subresources)
            {
                var model = OperationGenerator.ModelOf(subresource.Name, definition);
                if (model != definition.ModelType)
                {
                    AddRoot(model, subresource.Group ?? definition.Group, subresource.Version ?? definition.Version, subresource.Kind);
                }
            }

            OperationGenerator.AddPaths(paths, definition, name => OperationGenerator.ModelOf(name, definition));
        }

        AddRoot(typeof(V1Status), string.Empty, "v1", "Status");
        AddRoot(typeof(V1DeleteOptions), groupVersion.Group, groupVersion.Version, "DeleteOptions");
        var schemas = new SchemaGenerator(docs).Build(roots, gvks);

        var document = new JsonObject
        {
            ["components"] = new JsonObject
            {
                ["schemas"] = new JsonObject([.. schemas.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))]),
                ["securitySchemes"] = new JsonObject
                {
                    ["BearerToken"] = new JsonObject
                    {
                        ["description"] = "Bearer Token authentication",
                        ["in"] = "header",
                        ["name"] = "authorization",
                        ["type"] = "apiKey",
                    },
                },
            },
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = Version },
            ["openapi"] = "3.0.0",
            ["paths"] = new JsonObject([.. paths.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))]),
            ["security"] = new JsonArray(new JsonObject { ["BearerToken"] = new JsonArray() }),
        };
        return JsonSerializer.SerializeToUtf8Bytes(document, Output);
    }
}
