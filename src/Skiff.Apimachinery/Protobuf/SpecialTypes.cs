using System.Globalization;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Skiff.Apimachinery.Protobuf.Wire.IntStr;
using Skiff.Apimachinery.Protobuf.Wire.MetaV1;
using Skiff.Apimachinery.Protobuf.Wire.Resource;
using Skiff.Apimachinery.Protobuf.Wire.Runtime;
using TimeMessage = Skiff.Apimachinery.Protobuf.Wire.MetaV1.Time;

namespace Skiff.Apimachinery.Protobuf;

/// <summary>
/// The wire types whose JSON form is not an object of their fields: Time/MicroTime (RFC 3339 strings), Quantity
/// (string), IntOrString (int or string), FieldsV1 and RawExtension (embedded JSON). Plus the Go structs embedded
/// with <c>json:",inline"</c>, whose fields appear in the parent's JSON object.
/// </summary>
internal static class SpecialTypes
{
    private static readonly HashSet<string> InlineFields =
        ["localObjectReference", "ephemeralContainerCommon", "handler", "volumeSource", "persistentVolumeSource"];

    public static bool IsInline(FieldDescriptor field) =>
        field.FieldType == FieldType.Message && InlineFields.Contains(field.Name);

    public static bool IsSpecial(MessageDescriptor descriptor) =>
        descriptor == TimeMessage.Descriptor || descriptor == MicroTime.Descriptor || descriptor == Quantity.Descriptor ||
        descriptor == IntOrString.Descriptor || descriptor == FieldsV1.Descriptor || descriptor == RawExtension.Descriptor;

    /// <summary>The JSON of a special message; null means "omit the field" (a zero Time, as Go writes null).</summary>
    public static JsonNode? ToJson(IMessage message) => message switch
    {
        TimeMessage t => t.Seconds == 0 && t.Nanos == 0 ? null : JsonValue.Create(FormatTime(t.Seconds, t.Nanos, micro: false)),
        MicroTime t => t.Seconds == 0 && t.Nanos == 0 ? null : JsonValue.Create(FormatTime(t.Seconds, t.Nanos, micro: true)),
        Quantity q => JsonValue.Create(q.String),
        IntOrString v => v.Type == 1 ? JsonValue.Create(v.StrVal) : JsonValue.Create(v.IntVal),
        FieldsV1 f => f.Raw.IsEmpty ? new JsonObject() : JsonNode.Parse(f.Raw.Span),
        RawExtension r => r.Raw.IsEmpty ? null : JsonNode.Parse(r.Raw.Span),
        _ => throw new InvalidOperationException($"{message.Descriptor.FullName} is not a special type"),
    };

    /// <summary>Builds a special message from its JSON form; null when the JSON does not fit (then the object is not encoded).</summary>
    public static IMessage? FromJson(MessageDescriptor descriptor, JsonNode node)
    {
        if (descriptor == TimeMessage.Descriptor || descriptor == MicroTime.Descriptor)
        {
            if (node is not JsonValue value || !value.TryGetValue<string>(out var text) ||
                !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            {
                return null;
            }

            var seconds = time.ToUnixTimeSeconds();
            var nanos = (int)(time.UtcTicks % TimeSpan.TicksPerSecond * 100);
            return descriptor == TimeMessage.Descriptor
                ? new TimeMessage { Seconds = seconds, Nanos = nanos }
                : new MicroTime { Seconds = seconds, Nanos = nanos };
        }

        if (descriptor == Quantity.Descriptor)
        {
            // Quantities are strings in Kubernetes JSON; a bare number (as some clients send) is its own canonical text.
            return node switch
            {
                JsonValue value when value.TryGetValue<string>(out var text) => new Quantity { String = text },
                JsonValue number when number.GetValueKind() == System.Text.Json.JsonValueKind.Number => new Quantity { String = number.ToJsonString() },
                _ => null,
            };
        }

        if (descriptor == IntOrString.Descriptor)
        {
            if (node is JsonValue value && value.TryGetValue<string>(out var text))
            {
                return new IntOrString { Type = 1, StrVal = text };
            }

            return node is JsonValue number && number.TryGetValue<int>(out var integer) ? new IntOrString { Type = 0, IntVal = integer } : null;
        }

        if (descriptor == FieldsV1.Descriptor)
        {
            return new FieldsV1 { Raw = ByteString.CopyFromUtf8(node.ToJsonString()) };
        }

        return new RawExtension { Raw = ByteString.CopyFromUtf8(node.ToJsonString()) };
    }

    private static string FormatTime(long seconds, int nanos, bool micro)
    {
        var time = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100);
        return micro
            ? time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)
            : time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }
}
