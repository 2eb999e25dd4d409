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
        try
        {
            return PatchApplier.ApplyToJson(currentJson, patch, mediaType, modelType);
        }
        catch (PatchException e)
        {
            throw ToApi(e);
        }
        catch (ArgumentException e) when (e.ParamName == "originalJson")
        {
            throw StatusErrors.Internal("stored object is not a JSON object");
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
