using System.Text.Json.Nodes;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// The single entry point for PATCH bodies other than server-side apply: picks the patch type from the
/// Content-Type and returns the patched object. Throws <see cref="PatchException"/> (400/415/422) on bad input;
/// <paramref name="original"/> is never modified.
/// </summary>
public static class PatchApplier
{
    /// <param name="original">The live object as JSON.</param>
    /// <param name="patchBody">The request body.</param>
    /// <param name="contentType">The request Content-Type (parameters are ignored).</param>
    /// <param name="modelType">The KubernetesClient model of the object (e.g. <c>typeof(V1Pod)</c>); null for custom
    /// resources, which cannot take a strategic merge patch.</param>
    public static JsonObject Apply(JsonObject original, ReadOnlySpan<byte> patchBody, string contentType, Type? modelType)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(contentType);
        var accepted = modelType is null ? PatchContentTypes.ForCustomResources : PatchContentTypes.ForBuiltInKinds;
        var mediaType = PatchContentTypes.Normalize(contentType);
        if (mediaType == PatchContentTypes.ApplyPatch)
        {
            // Apply needs the field manager, force and the live managedFields: it has its own entry point.
            throw new ArgumentException("server-side apply bodies go to ServerSideApply.Apply", nameof(contentType));
        }

        var result = mediaType switch
        {
            PatchContentTypes.JsonPatch => JsonPatch.Apply(original, patchBody),
            PatchContentTypes.MergePatch => JsonMergePatch.Apply(original, patchBody),
            PatchContentTypes.StrategicMergePatch when modelType is not null =>
                StrategicMergePatch.Apply(original, ParseObject(patchBody), modelType),
            _ => throw PatchException.UnsupportedMediaType(contentType, accepted),
        };

        return result as JsonObject ??
            throw PatchException.BadRequest("the patched object is not a JSON object");
    }

    private static JsonObject ParseObject(ReadOnlySpan<byte> body) =>
        JsonMergePatch.Parse(body) as JsonObject ??
            throw PatchException.BadRequest("json: cannot unmarshal non-object into Go value of type map[string]interface {}");
}
