using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Apimachinery.Patching;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Registry;

/// <summary>JSON patch, JSON merge patch and strategic merge patch, through Apimachinery's <see cref="PatchApplier"/>.</summary>
public sealed class BuiltInPatchers : IPatchApplier
{
    public IReadOnlyList<string> MediaTypes { get; } =
        [PatchContentTypes.JsonPatch, PatchContentTypes.MergePatch, PatchContentTypes.StrategicMergePatch];

    public byte[] Apply(string mediaType, Type modelType, byte[] currentJson, byte[] patch)
    {
        var original = JsonNode.Parse(currentJson) as JsonObject ?? throw StatusErrors.Internal("stored object is not a JSON object");
        try
        {
            return JsonSerializer.SerializeToUtf8Bytes(PatchApplier.Apply(original, patch, mediaType, modelType));
        }
        catch (PatchException e)
        {
            throw ToApi(e);
        }
    }

    public static ApiException ToApi(PatchException e)
    {
        var details = e.Causes.Count == 0 ? null : new V1StatusDetails
        {
            Causes = e.Causes.Select(c => new V1StatusCause { Reason = c.Reason, Message = c.Message, Field = c.Field }).ToList(),
        };
        return new ApiException(StatusErrors.Status(e.Code, e.Reason, e.Message, details));
    }
}
