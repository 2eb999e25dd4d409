using System.Text;
using System.Text.Json.Nodes;

namespace Skiff.Apimachinery.Tests.Patching;

/// <summary>Test helpers: JSON literals with single quotes, and structural equality (object key order ignored).</summary>
internal static class Json
{
    public static JsonObject Obj(string json) => JsonNode.Parse(json.Replace('\'', '"'))!.AsObject();

    public static byte[] Bytes(string json) => Encoding.UTF8.GetBytes(json.Replace('\'', '"'));

    public static void Equal(string expected, JsonNode? actual)
    {
        var expectedNode = JsonNode.Parse(expected.Replace('\'', '"'));
        Assert.True(
            Same(expectedNode, actual),
            $"expected {expectedNode?.ToJsonString()}\n  actual {actual?.ToJsonString()}");
    }

    public static bool Same(JsonNode? a, JsonNode? b) => (a, b) switch
    {
        (null, null) => true,
        (JsonObject x, JsonObject y) => x.Count == y.Count &&
            x.All(p => y.TryGetPropertyValue(p.Key, out var other) && Same(p.Value, other)),
        (JsonArray x, JsonArray y) => x.Count == y.Count && x.Zip(y).All(pair => Same(pair.First, pair.Second)),
        (JsonValue, JsonValue) => JsonNode.DeepEquals(a, b),
        _ => false,
    };
}
