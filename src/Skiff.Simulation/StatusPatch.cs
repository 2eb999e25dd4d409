using System.Text.Json;
using System.Text.Json.Nodes;
using Skiff.Api.Json;
using Skiff.Client.Api;

namespace Skiff.Simulation;

/// <summary>A JSON merge patch <c>{"status": …}</c> for the status subresource: no read before the write and no
/// conflict on a stale resourceVersion, so thousands of simulated objects cost one request each.</summary>
internal static class StatusPatch
{
    public static ApiPatch Of(object status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var body = new JsonObject { ["status"] = JsonSerializer.SerializeToNode(status, status.GetType(), ModelJson.Options) };
        return ApiPatch.Merge(body.ToJsonString());
    }
}
