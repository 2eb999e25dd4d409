namespace Skiff.ApiServer.OpenApi;

/// <summary>The OpenAPI v3 documents served at <c>/openapi/v3</c> (the kinds' generator provides them).</summary>
public interface IOpenApiProvider
{
    /// <summary>The group-version paths documented, e.g. <c>api/v1</c>, <c>apis/apps/v1</c>.</summary>
    IReadOnlyList<string> GroupVersionPaths { get; }

    /// <summary>The JSON document of one group-version path, or null when it is not documented.</summary>
    byte[]? Document(string groupVersionPath);
}
