using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
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

    /// <summary>
    /// <see cref="Apply"/> on the serialized object, returning the serialized result. A merge or strategic merge patch
    /// that names top-level fields without directives there (a status patch names only <c>status</c>) is applied to
    /// those fields alone: each field of a map merges on its own, so the result is the same, and the fields the patch
    /// leaves alone (a pod's spec and metadata) are copied as they are instead of going through JSON trees.
    /// </summary>
    public static byte[] ApplyToJson(ReadOnlyMemory<byte> originalJson, ReadOnlySpan<byte> patchBody, string contentType, Type? modelType)
    {
        ArgumentNullException.ThrowIfNull(contentType);
        var mediaType = PatchContentTypes.Normalize(contentType);
        var byField = mediaType == PatchContentTypes.MergePatch || (mediaType == PatchContentTypes.StrategicMergePatch && modelType is not null);
        if (!byField || JsonMergePatch.Parse(patchBody) is not JsonObject patch || patch.Any(p => p.Key.StartsWith('$')))
        {
            var original = JsonNode.Parse(originalJson.Span) as JsonObject ?? throw new ArgumentException("the object is not a JSON object", nameof(originalJson));
            return JsonSerializer.SerializeToUtf8Bytes(Apply(original, patchBody, contentType, modelType));
        }

        using var document = JsonDocument.Parse(originalJson);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("the object is not a JSON object", nameof(originalJson));
        }

        var named = new JsonObject();
        foreach (var property in root.EnumerateObject())
        {
            if (patch.ContainsKey(property.Name))
            {
                named[property.Name] = JsonNode.Parse(JsonMarshal.GetRawUtf8Value(property.Value));
            }
        }

        var merged = mediaType == PatchContentTypes.MergePatch
            ? (JsonObject)JsonMergePatch.Merge(named, patch)!
            : StrategicMergePatch.Apply(named, patch, modelType!);

        // The whole-tree result's order: the object's fields where they were (a deleted one left out), then new ones.
        var buffer = new ArrayBufferWriter<byte>(originalJson.Length + patchBody.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in root.EnumerateObject())
            {
                if (!patch.ContainsKey(property.Name))
                {
                    property.WriteTo(writer);
                }
                else if (merged.TryGetPropertyValue(property.Name, out var value))
                {
                    writer.WritePropertyName(property.Name);
                    WriteNode(writer, value);
                }
            }

            foreach (var (key, value) in merged)
            {
                if (!root.TryGetProperty(key, out _))
                {
                    writer.WritePropertyName(key);
                    WriteNode(writer, value);
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteNode(Utf8JsonWriter writer, JsonNode? value)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            value.WriteTo(writer);
        }
    }

    private static JsonObject ParseObject(ReadOnlySpan<byte> body) =>
        JsonMergePatch.Parse(body) as JsonObject ??
            throw PatchException.BadRequest("json: cannot unmarshal non-object into Go value of type map[string]interface {}");
}
