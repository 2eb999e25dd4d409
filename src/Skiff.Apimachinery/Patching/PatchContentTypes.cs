namespace Skiff.Apimachinery.Patching;

/// <summary>The PATCH Content-Types Kubernetes accepts.</summary>
public static class PatchContentTypes
{
    public const string JsonPatch = "application/json-patch+json";
    public const string MergePatch = "application/merge-patch+json";
    public const string StrategicMergePatch = "application/strategic-merge-patch+json";
    public const string ApplyPatch = "application/apply-patch+yaml";

    /// <summary>Apply CBOR is not served; the list the API server names in its 415 message for built-in kinds.</summary>
    public static IReadOnlyList<string> ForBuiltInKinds { get; } = [JsonPatch, MergePatch, StrategicMergePatch, ApplyPatch];

    /// <summary>Custom resources have no Go struct, hence no strategic merge patch.</summary>
    public static IReadOnlyList<string> ForCustomResources { get; } = [JsonPatch, MergePatch, ApplyPatch];

    /// <summary>The media type without parameters, lower case (<c>application/json-patch+json; charset=utf-8</c> → the first part).</summary>
    public static string Normalize(string contentType)
    {
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var bare = semicolon >= 0 ? contentType[..semicolon] : contentType;
        return bare.Trim().ToLowerInvariant();
    }
}
