using System.Collections;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Skiff.Apimachinery.Protobuf;

/// <summary>
/// Builds a wire message from Kubernetes JSON by walking the descriptor. Returns null as soon as a JSON field has no
/// wire field or a value has the wrong shape: the caller then answers in JSON instead of losing data.
/// </summary>
internal static class JsonToMessage
{
    public static IMessage? Convert(MessageDescriptor descriptor, JsonObject json, bool topLevel)
    {
        var message = (IMessage)Activator.CreateInstance(descriptor.ClrType)!;
        foreach (var (name, node) in json)
        {
            if (node is null || (topLevel && name is "apiVersion" or "kind"))
            {
                continue;
            }

            if (!SetField(message, name, node))
            {
                return null;
            }
        }

        return message;
    }

    private static bool SetField(IMessage message, string name, JsonNode node)
    {
        var field = message.Descriptor.FindFieldByName(name);
        if (field is not null && !SpecialTypes.IsInline(field))
        {
            return Set(message, field, node);
        }

        // A field of a Go struct embedded inline: find the embedded message that declares it.
        foreach (var inline in message.Descriptor.Fields.InDeclarationOrder().Where(SpecialTypes.IsInline))
        {
            if (inline.MessageType.FindFieldByName(name) is null)
            {
                continue;
            }

            var child = inline.Accessor.GetValue(message) as IMessage;
            if (child is null)
            {
                child = (IMessage)Activator.CreateInstance(inline.MessageType.ClrType)!;
                inline.Accessor.SetValue(message, child);
            }

            return SetField(child, name, node);
        }

        return false;
    }

    private static bool Set(IMessage message, FieldDescriptor field, JsonNode node)
    {
        if (field.IsMap)
        {
            if (node is not JsonObject map)
            {
                return false;
            }

            var valueField = field.MessageType.FindFieldByNumber(2);
            var dictionary = (IDictionary)field.Accessor.GetValue(message);
            foreach (var (key, item) in map)
            {
                var value = item is null ? null : Single(valueField, item);
                if (value is null)
                {
                    return false;
                }

                dictionary[key] = value;
            }

            return true;
        }

        if (field.IsRepeated)
        {
            if (node is not JsonArray array)
            {
                return false;
            }

            var list = (IList)field.Accessor.GetValue(message);
            foreach (var item in array)
            {
                var value = item is null ? null : Single(field, item);
                if (value is null)
                {
                    return false;
                }

                list.Add(value);
            }

            return true;
        }

        var single = Single(field, node);
        if (single is null)
        {
            return false;
        }

        field.Accessor.SetValue(message, single);
        return true;
    }

    private static object? Single(FieldDescriptor field, JsonNode node)
    {
        if (field.FieldType == FieldType.Message)
        {
            if (SpecialTypes.IsSpecial(field.MessageType))
            {
                return SpecialTypes.FromJson(field.MessageType, node);
            }

            return node is JsonObject child ? Convert(field.MessageType, child, topLevel: false) : null;
        }

        if (node is not JsonValue value)
        {
            return null;
        }

        return field.FieldType switch
        {
            FieldType.String => value.TryGetValue<string>(out var s) ? s : null,
            FieldType.Bool => value.TryGetValue<bool>(out var b) ? b : null,
            FieldType.Int32 => value.TryGetValue<int>(out var i) ? i : null,
            FieldType.Int64 => value.TryGetValue<long>(out var l) ? l : null,
            FieldType.Bytes => value.TryGetValue<string>(out var base64) ? FromBase64(base64) : null,
            _ => null,
        };
    }

    private static ByteString? FromBase64(string base64)
    {
        try
        {
            return ByteString.FromBase64(base64);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
