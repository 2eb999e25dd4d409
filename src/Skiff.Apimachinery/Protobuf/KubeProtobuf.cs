using System.Text.Json.Nodes;
using Google.Protobuf;
using Skiff.Apimachinery.Protobuf.Wire.Runtime;

namespace Skiff.Apimachinery.Protobuf;

/// <summary>
/// Kubernetes' protobuf encoding (<c>application/vnd.kubernetes.protobuf</c>): the 4 magic bytes <c>k8s\0</c>, then
/// a <c>runtime.Unknown</c> whose typeMeta names apiVersion and kind and whose raw bytes are the object's message.
/// Converts between that and the object's JSON for the kinds <see cref="SupportedKinds"/> lists.
/// </summary>
public static class KubeProtobuf
{
    public const string ContentType = "application/vnd.kubernetes.protobuf";

    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    /// <summary>The apiVersion/kind pairs with a wire schema (DeleteOptions is accepted under any apiVersion).</summary>
    public static IEnumerable<(string ApiVersion, string Kind)> SupportedKinds => KindRegistry.All;

    /// <summary>
    /// Decodes a protobuf request body into the object's JSON, with <c>apiVersion</c> and <c>kind</c> set.
    /// Throws <see cref="ProtobufException"/>: 400 for a malformed body, 415 for a kind without a wire schema here.
    /// </summary>
    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (!TryDecode(body, out var apiVersion, out var kind, out var json))
        {
            throw ProtobufException.Unsupported(apiVersion, kind);
        }

        return json;
    }

    /// <summary>
    /// Like <see cref="Decode"/>, but returns false (with <paramref name="apiVersion"/> and <paramref name="kind"/>
    /// set from the envelope) when the kind has no wire schema. Throws <see cref="ProtobufException"/> (400) on a
    /// malformed body.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, out string apiVersion, out string kind, out JsonObject json)
    {
        var unknown = ReadEnvelope(body);
        apiVersion = unknown.TypeMeta?.ApiVersion ?? "";
        kind = unknown.TypeMeta?.Kind ?? "";
        json = [];
        if (unknown.ContentEncoding.Length > 0)
        {
            throw ProtobufException.Malformed($"unsupported protobuf content encoding \"{unknown.ContentEncoding}\"");
        }

        var descriptor = KindRegistry.Find(apiVersion, kind);
        if (descriptor is null)
        {
            return false;
        }

        IMessage message;
        try
        {
            message = descriptor.Parser.ParseFrom(unknown.Raw);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw ProtobufException.Malformed($"unable to decode {kind}: {e.Message}");
        }

        json["apiVersion"] = apiVersion;
        json["kind"] = kind;
        foreach (var (name, value) in MessageToJson.Convert(message))
        {
            json[name] = value?.DeepClone();
        }

        return true;
    }

    /// <summary>
    /// Encodes an object (its JSON with <c>apiVersion</c> and <c>kind</c>) for an <c>Accept: application/vnd.kubernetes.protobuf</c>
    /// response. Returns false when the kind has no wire schema or the JSON has a field the schema lacks; answer JSON then.
    /// </summary>
    public static bool TryEncode(JsonObject obj, out byte[] body)
    {
        ArgumentNullException.ThrowIfNull(obj);
        body = [];
        var apiVersion = obj["apiVersion"]?.GetValue<string>() ?? "";
        var kind = obj["kind"]?.GetValue<string>() ?? "";
        var descriptor = KindRegistry.Find(apiVersion, kind);
        if (descriptor is null || JsonToMessage.Convert(descriptor, obj, topLevel: true) is not { } message)
        {
            return false;
        }

        var unknown = new Unknown
        {
            TypeMeta = new TypeMeta { ApiVersion = apiVersion, Kind = kind },
            Raw = message.ToByteString(),
        };
        body = [.. Magic, .. unknown.ToByteArray()];
        return true;
    }

    /// <summary>Like <see cref="TryEncode"/> but throws <see cref="ProtobufException"/> (415) when it cannot encode.</summary>
    public static byte[] Encode(JsonObject obj) =>
        TryEncode(obj, out var body)
            ? body
            : throw ProtobufException.Unsupported(obj["apiVersion"]?.ToString() ?? "", obj["kind"]?.ToString() ?? "");

    private static Unknown ReadEnvelope(ReadOnlySpan<byte> body)
    {
        if (body.Length < Magic.Length || !body[..Magic.Length].SequenceEqual(Magic))
        {
            throw ProtobufException.Malformed("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
        }

        try
        {
            return Unknown.Parser.ParseFrom(body[Magic.Length..]);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw ProtobufException.Malformed($"unable to decode the protobuf envelope: {e.Message}");
        }
    }
}
