using System.Text.Json.Nodes;

namespace Skiff.Cli.Manifests;

/// <summary>One object read from a manifest, with where it came from (for kubectl's error messages).</summary>
public sealed record Manifest(JsonObject Object, string Source)
{
    public string ApiVersion => (string?)Object["apiVersion"] ?? string.Empty;

    public string Kind => (string?)Object["kind"] ?? string.Empty;

    public string Name => (string?)Object["metadata"]?["name"] ?? string.Empty;

    public string? Namespace => (string?)Object["metadata"]?["namespace"];
}
