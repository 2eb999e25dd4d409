namespace Skiff.Client.Api;

/// <summary>A PATCH body and its content type.</summary>
public sealed record ApiPatch(ApiPatchType Type, string Body)
{
    public string ContentType => Type switch
    {
        ApiPatchType.Json => "application/json-patch+json",
        ApiPatchType.Merge => "application/merge-patch+json",
        ApiPatchType.StrategicMerge => "application/strategic-merge-patch+json",
        ApiPatchType.Apply => "application/apply-patch+yaml",
        _ => throw new InvalidOperationException($"unknown patch type {Type}"),
    };

    public static ApiPatch Merge(string body) => new(ApiPatchType.Merge, body);

    public static ApiPatch StrategicMerge(string body) => new(ApiPatchType.StrategicMerge, body);

    public static ApiPatch Json(string body) => new(ApiPatchType.Json, body);
}

public enum ApiPatchType
{
    Json,
    Merge,
    StrategicMerge,
    Apply,
}
