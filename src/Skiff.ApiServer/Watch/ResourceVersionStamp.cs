using System.Text;
using System.Text.Json;

namespace Skiff.ApiServer.Watch;

/// <summary>
/// Turns an object's stored JSON (kept without <c>metadata.resourceVersion</c>: the storage revision is the truth)
/// into its served JSON by writing the revision into <c>metadata</c>, without decoding and encoding the whole object
/// again.
/// </summary>
public static class ResourceVersionStamp
{
    private static readonly byte[] Property = Encoding.UTF8.GetBytes("\"resourceVersion\":\"");

    /// <summary>The JSON with <c>"resourceVersion":"revision"</c> first in the top-level <c>metadata</c> object; false
    /// when the JSON has no metadata object or already carries a resourceVersion (the caller then encodes the object).</summary>
    public static bool TryStamp(ReadOnlySpan<byte> stored, long revision, out byte[] served)
    {
        served = [];
        var insertAt = MetadataBodyStart(stored, out var metadataEmpty);
        if (insertAt < 0)
        {
            return false;
        }

        Span<byte> digits = stackalloc byte[20];
        revision.TryFormat(digits, out var length, default, System.Globalization.CultureInfo.InvariantCulture);
        var extra = Property.Length + length + 1 + (metadataEmpty ? 0 : 1);
        served = new byte[stored.Length + extra];
        stored[..insertAt].CopyTo(served);
        var at = insertAt;
        Property.CopyTo(served.AsSpan(at));
        at += Property.Length;
        digits[..length].CopyTo(served.AsSpan(at));
        at += length;
        served[at++] = (byte)'"';
        if (!metadataEmpty)
        {
            served[at++] = (byte)',';
        }

        stored[insertAt..].CopyTo(served.AsSpan(at));
        return true;
    }

    /// <summary>Served JSON (which carries a resourceVersion) with its resourceVersion replaced by
    /// <paramref name="revision"/>, without decoding the object; false when it has none to replace.</summary>
    public static bool TryRestamp(ReadOnlySpan<byte> served, long revision, out byte[] restamped)
    {
        restamped = [];
        var (start, end) = ResourceVersionValue(served);
        if (start < 0)
        {
            return false;
        }

        Span<byte> digits = stackalloc byte[20];
        revision.TryFormat(digits, out var length, default, System.Globalization.CultureInfo.InvariantCulture);
        restamped = new byte[served.Length - (end - start) + length + 2];
        served[..start].CopyTo(restamped);
        var at = start;
        restamped[at++] = (byte)'"';
        digits[..length].CopyTo(restamped.AsSpan(at));
        at += length;
        restamped[at++] = (byte)'"';
        served[end..].CopyTo(restamped.AsSpan(at));
        return true;
    }

    // Where the string value of metadata.resourceVersion lies (quotes included), or (-1, -1).
    private static (int Start, int End) ResourceVersionValue(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (-1, -1);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("metadata"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return (-1, -1);
                }

                var depth = reader.CurrentDepth;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1)
                {
                    var isVersion = reader.ValueTextEquals("resourceVersion"u8);
                    reader.Read();
                    if (isVersion)
                    {
                        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped)
                        {
                            return (-1, -1);
                        }

                        var start = (int)reader.TokenStartIndex;
                        return (start, start + reader.ValueSpan.Length + 2);
                    }

                    reader.Skip();
                }

                return (-1, -1);
            }

            return (-1, -1);
        }
        catch (JsonException)
        {
            return (-1, -1);
        }
    }

    // The offset just after the '{' of the top-level "metadata" object, or -1 (no such object, invalid JSON, or a
    // resourceVersion already there).
    private static int MetadataBodyStart(ReadOnlySpan<byte> json, out bool empty)
    {
        empty = false;
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return -1;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("metadata"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return -1;
                }

                var bodyStart = (int)reader.BytesConsumed;
                var depth = reader.CurrentDepth;
                var first = true;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1)
                {
                    first = false;
                    if (reader.ValueTextEquals("resourceVersion"u8))
                    {
                        return -1;
                    }

                    reader.Read();
                    reader.Skip();
                }

                empty = first;
                return bodyStart;
            }

            return -1;
        }
        catch (JsonException)
        {
            return -1;
        }
    }
}
