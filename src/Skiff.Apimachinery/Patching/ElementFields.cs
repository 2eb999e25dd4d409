using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// <see cref="ObjectFields"/>' schema rules and <see cref="PathElement"/>'s spellings on a <see cref="JsonElement"/>,
/// for the walks that read serialized objects without building JSON trees (<see cref="CreatedFields"/>,
/// <see cref="StatusWriteFields"/>).
/// </summary>
internal static class ElementFields
{
    /// <summary>Whether the object has no property.</summary>
    public static bool IsEmpty(JsonElement obj)
    {
        using var properties = obj.EnumerateObject();
        return !properties.MoveNext();
    }

    /// <summary><see cref="ObjectFields.IsAssociative"/>: list-map keys and a merge key, and every item an object holding it.</summary>
    public static bool IsAssociative(JsonElement list, FieldStrategy? strategy, out IReadOnlyList<string> keys)
    {
        keys = strategy?.ListMapKeys ?? [];
        var mergeKey = strategy?.MergeKey;
        if (keys.Count == 0 || mergeKey is null)
        {
            return false;
        }

        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty(mergeKey, out _))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><see cref="PathElement.KeyOf"/>'s text: the item's key fields that have a value, in sorted order, as
    /// compact JSON (without the <c>k:</c> prefix).</summary>
    public static string KeyOf(JsonElement item, IReadOnlyList<string> keys)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var name in keys.Order(StringComparer.Ordinal))
            {
                if (item.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
                {
                    writer.WritePropertyName(name);
                    value.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary><see cref="PathElement.ValueOf"/>'s text: the value as compact JSON.</summary>
    public static string Compact(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            value.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
