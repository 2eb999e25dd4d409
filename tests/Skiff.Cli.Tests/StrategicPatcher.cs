using System.Text.Json;
using System.Text.Json.Nodes;
using Skiff.Apimachinery;
using Skiff.Apimachinery.Patching;
using Skiff.ApiServer.Registry;

namespace Skiff.Cli.Tests;

/// <summary>Serves strategic merge patches in the test server through the apimachinery's patcher (as the composition root would).</summary>
internal sealed class StrategicPatcher : IPatchApplier
{
    public IReadOnlyList<string> MediaTypes { get; } = [PatchContentTypes.StrategicMergePatch];

    public byte[] Apply(string mediaType, ResourceDefinition def, byte[] currentJson, byte[] patch)
    {
        var original = JsonNode.Parse(currentJson)!.AsObject();
        return JsonSerializer.SerializeToUtf8Bytes(PatchApplier.Apply(original, patch, mediaType, def.ModelType));
    }
}
