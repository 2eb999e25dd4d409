using Skiff.Apimachinery;
using Skiff.Apimachinery.OpenApi;

namespace Skiff.ApiServer.OpenApi;

/// <summary>The OpenAPI v3 documents of the served resources, from Apimachinery's generator (built on first use).</summary>
public sealed class GeneratedOpenApi : IOpenApiProvider
{
    private readonly Lazy<OpenApiV3Documents> _documents;

    public GeneratedOpenApi(IEnumerable<ResourceDefinition> resources)
    {
        var catalog = new ResourceCatalog(resources);
        _documents = new Lazy<OpenApiV3Documents>(() => new OpenApiV3Generator(catalog).Generate(), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public IReadOnlyList<string> GroupVersionPaths => _documents.Value.Documents.Keys.ToList();

    public byte[]? Document(string groupVersionPath) => _documents.Value.Find(groupVersionPath)?.Json;
}
