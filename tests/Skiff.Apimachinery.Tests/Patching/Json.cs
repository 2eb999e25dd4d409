using System.Text;
using System.Text.Json.Nodes;

namespace Skiff.Apimachinery.Tests.Patching;

/// <summary>Test helpers: JSON literals with single quotes, and structural equality with a readable failure.</summary>
internal static class Json
{
    public static JsonObject Obj(string json) => JsonNode.Parse(json.Replace('\'', '"'))!.AsObject();

    public static byte[] Bytes(string json) => Encoding.UTF8.GetBytes(json.Replace('\'', '"'));

    public static void Equal(string expected, JsonNode? actual)
    {
        var expectedNode = JsonNode.Parse(expected.Replace('\'', '"'));
        Assert.True(
            JsonNode.DeepEquals(expectedNode, actual),
            $"expected {expectedNode?.ToJsonString()}\n  actual {actual?.ToJsonString()}");
    }
}
