using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Apimachinery.Patching;

/// <summary>RFC 7386 JSON merge patch (<c>application/merge-patch+json</c>): objects merge, null deletes, anything else replaces.</summary>
public static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? document, ReadOnlySpan<byte> patchBody) => Merge(document, Parse(patchBody));

    /// <summary>Merges an already parsed patch into a copy of <paramref name="target"/>.</summary>
    public static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result.TryGetPropertyValue(key, out var existing);
                result[key] = Merge(existing, value);
            }
        }

        return result;
    }

    internal static JsonNode? Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            return TolerantJson.Parse(body);
        }
        catch (JsonException e)
        {
            throw PatchException.BadRequest(e.Message);
        }
    }
}
