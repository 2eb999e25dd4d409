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
        var (writer, buffer) = Writer();
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
        writer.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary><see cref="PathElement.ValueOf"/>'s text: the value as compact JSON.</summary>
    public static string Compact(JsonElement value)
    {
        var (writer, buffer) = Writer();
        value.WriteTo(writer);
        writer.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // A writer and buffer per thread, reset for each key: a status write spells a key for every list item it holds.
    [ThreadStatic]
    private static (Utf8JsonWriter Writer, ArrayBufferWriter<byte> Buffer)? _scratch;

    private static (Utf8JsonWriter Writer, ArrayBufferWriter<byte> Buffer) Writer()
    {
        if (_scratch is not { } scratch)
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            scratch = (new Utf8JsonWriter(buffer), buffer);
            _scratch = scratch;
        }

        scratch.Buffer.ResetWrittenCount();
        scratch.Writer.Reset(scratch.Buffer);
        return scratch;
    }
}
