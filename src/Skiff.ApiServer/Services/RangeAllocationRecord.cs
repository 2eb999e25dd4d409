using System.Text.Json.Serialization;

namespace Skiff.ApiServer.Services;

/// <summary>The stored form of an allocation bitmap: upstream's core/v1 RangeAllocation (range text + bitmap bytes).</summary>
internal sealed record RangeAllocationRecord
{
    [JsonPropertyName("kind")]
    public string Kind { get; init; } = "RangeAllocation";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; init; } = "v1";

    [JsonPropertyName("metadata")]
    public Dictionary<string, object?> Metadata { get; init; } = new() { ["creationTimestamp"] = null };

    [JsonPropertyName("range")]
    public string Range { get; init; } = string.Empty;

    [JsonPropertyName("data")]
    public byte[] Data { get; init; } = [];
}
