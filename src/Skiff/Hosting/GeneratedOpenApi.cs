using Skiff.Apimachinery;
using Skiff.Apimachinery.OpenApi;
using Skiff.ApiServer.OpenApi;

namespace Skiff.Hosting;

/// <summary>Serves the OpenAPI v3 documents generated once at start from the catalog and the client models.</summary>
internal sealed class GeneratedOpenApi(ResourceCatalog catalog) : IOpenApiProvider
{
    private readonly OpenApiV3Documents _documents = new OpenApiV3Generator(catalog).Generate();

    public IReadOnlyList<string> GroupVersionPaths => _documents.GroupVersionPaths;

    public byte[]? Document(string groupVersionPath) => _documents.Document(groupVersionPath);
}
