using System.Text.Json.Nodes;
using Skiff.Apimachinery.Protobuf;

namespace Skiff.ApiServer.Http;

/// <summary>
/// Answers in Kubernetes protobuf when the client listed <c>application/vnd.kubernetes.protobuf</c> first (kubectl's
/// typed clients do) and the kind has a wire schema here; otherwise the caller answers JSON, which those clients accept.
/// </summary>
public static class ProtobufResponses
{
    public const string ContentType = KubeProtobuf.ContentType;

    /// <summary>The protobuf body of a served object or list given as JSON; false when it cannot be encoded.</summary>
    public static bool TryEncode(ReadOnlySpan<byte> json, out byte[] body)
    {
        body = [];
        if (JsonNode.Parse(json) is not JsonObject obj)
        {
            return false;
        }

        // List items carry no TypeMeta on the wire (the list's type names them).
        if (obj["items"] is JsonArray items)
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                item.Remove("apiVersion");
                item.Remove("kind");
            }
        }

        return KubeProtobuf.TryEncode(obj, out body);
    }

    /// <summary>Writes <paramref name="json"/> in protobuf if it can be encoded, as JSON otherwise.</summary>
    public static Task WriteAsync(Microsoft.AspNetCore.Http.HttpContext ctx, int status, byte[] json) =>
        TryEncode(json, out var body)
            ? ResponseWriter.WriteBytesAsync(ctx, status, ContentType, body)
            : ResponseWriter.WriteJsonAsync(ctx, status, json);
}
