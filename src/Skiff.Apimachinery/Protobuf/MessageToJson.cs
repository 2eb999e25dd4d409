using System.Collections;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Skiff.Apimachinery.Protobuf;

/// <summary>
/// Turns a decoded wire message into Kubernetes JSON by walking its descriptor. Field names are the JSON names;
/// scalars without presence are omitted when zero (as Go's <c>omitempty</c> does), scalars with presence (Go
/// pointers) are kept even when zero, bytes become base64, empty lists and maps are omitted.
/// </summary>
internal static class MessageToJson
{
    public static JsonObject Convert(IMessage message)
    {
        var json = new JsonObject();
        AddFields(json, message);
        return json;
    }

    private static void AddFields(JsonObject json, IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (SpecialTypes.IsInline(field))
            {
                if (field.Accessor.GetValue(message) is IMessage inline)
                {
                    AddFields(json, inline);
                }

                continue;
            }

            var value = FieldValue(field, message);
            if (value is not null)
            {
                json[field.Name] = value;
            }
        }
    }

    private static JsonNode? FieldValue(FieldDescriptor field, IMessage message)
    {
        var raw = field.Accessor.GetValue(message);
        if (field.IsMap)
        {
            var map = (IDictionary)raw;
            if (map.Count == 0)
            {
                return null;
            }

            var valueField = field.MessageType.FindFieldByNumber(2);
            var result = new JsonObject();
            foreach (DictionaryEntry entry in map)
            {
                result[(string)entry.Key] = Single(valueField, entry.Value) ?? (valueField.FieldType == FieldType.Message ? new JsonObject() : null);
            }

            return result;
        }

        if (field.IsRepeated)
        {
            var list = (IList)raw;
            if (list.Count == 0)
            {
                return null;
            }

            var array = new JsonArray();
            foreach (var item in list)
            {
                array.Add(Single(field, item) ?? new JsonObject());
            }

            return array;
        }

        if (field.FieldType != FieldType.Message && !field.HasPresence && IsDefault(raw))
        {
            return null;
        }

        if (field.HasPresence && field.FieldType != FieldType.Message && !field.Accessor.HasValue(message))
        {
            return null;
        }

        return Single(field, raw);
    }

    private static JsonNode? Single(FieldDescriptor field, object? value) => field.FieldType switch
    {
        FieldType.Message when value is null => null,
        FieldType.Message when SpecialTypes.IsSpecial(field.MessageType) => SpecialTypes.ToJson((IMessage)value),
        FieldType.Message => Convert((IMessage)value),
        FieldType.Bytes => JsonValue.Create(((ByteString)value!).ToBase64()),
        FieldType.String => JsonValue.Create((string)value!),
        FieldType.Bool => JsonValue.Create((bool)value!),
        FieldType.Int32 => JsonValue.Create((int)value!),
        FieldType.Int64 => JsonValue.Create((long)value!),
        _ => throw new InvalidOperationException($"field type {field.FieldType} of {field.FullName} is not used by Kubernetes"),
    };

    private static bool IsDefault(object? value) => value switch
    {
        null => true,
        string s => s.Length == 0,
        bool b => !b,
        int i => i == 0,
        long l => l == 0,
        ByteString bytes => bytes.IsEmpty,
        _ => false,
    };
}
