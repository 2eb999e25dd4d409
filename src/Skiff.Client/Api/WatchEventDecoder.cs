using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;
using Skiff.Api.Json;

namespace Skiff.Client.Api;

/// <summary>
/// Decodes one line of a watch stream, <c>{"type":...,"object":...}</c>, in one pass over its bytes: the object is
/// deserialized straight from the envelope's reader rather than parsed into a document first and read again.
/// </summary>
public static class WatchEventDecoder
{
    /// <param name="line">One event's JSON (without the newline).</param>
    /// <param name="resource">For error messages.</param>
    /// <param name="dropManagedFields">Skip <c>metadata.managedFields</c> instead of materializing it.</param>
    /// <exception cref="ApiException">An ERROR event (its Status), or an event that is not one.</exception>
    public static WatchEvent<T> Decode<T>(ReadOnlySpan<byte> line, ApiResource resource, bool dropManagedFields)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var options = dropManagedFields ? ModelJson.WithoutManagedFields : ModelJson.Options;
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw Malformed(resource, "an event that is not a JSON object");
        }

        string? type = null;
        T? obj = null;
        var objectSeen = false;
        var objectRead = false;
        Range objectBytes = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.GetString();
            }
            else if (reader.ValueTextEquals("object"u8))
            {
                reader.Read();
                objectSeen = true;
                if (IsChange(type))
                {
                    obj = SharedDecoding.IsEnabled(typeof(T))
                        ? SharedDecoding.Decode<T>(ref reader, resource, dropManagedFields, options)
                        : JsonSerializer.Deserialize<T>(ref reader, options);
                    objectRead = true;
                }
                else
                {
                    // The type is not known yet, or the object is a bookmark's or a Status: keep its bytes.
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    objectBytes = start..(int)reader.BytesConsumed;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (!objectSeen)
        {
            throw Malformed(resource, "an event without object");
        }

        switch (type)
        {
            case "ADDED" or "MODIFIED" or "DELETED":
                if (!objectRead)
                {
                    obj = JsonSerializer.Deserialize<T>(line[objectBytes], options);
                }

                if (obj is null)
                {
                    throw Malformed(resource, "a null object");
                }

                var kind = type == "ADDED" ? WatchEventKind.Added : type == "MODIFIED" ? WatchEventKind.Modified : WatchEventKind.Deleted;
                return new WatchEvent<T>(kind, obj, obj.Metadata?.ResourceVersion ?? string.Empty);
            case "BOOKMARK":
                var bookmark = JsonSerializer.Deserialize<WireShapes.Bookmark>(line[objectBytes], ModelJson.Options);
                return new WatchEvent<T>(WatchEventKind.Bookmark, null, bookmark?.Metadata?.ResourceVersion ?? string.Empty);
            case "ERROR":
                var status = JsonSerializer.Deserialize<V1Status>(line[objectBytes], ModelJson.Options);
                throw new ApiException((HttpStatusCode)(status?.Code ?? 500), status, status?.Message ?? $"watch of {resource} failed");
            default:
                throw Malformed(resource, $"unknown event type '{type}'");
        }
    }

    private static bool IsChange(string? type) => type is "ADDED" or "MODIFIED" or "DELETED";

    private static ApiException Malformed(ApiResource resource, string what) =>
        new(HttpStatusCode.InternalServerError, null, $"watch of {resource}: {what}");
}
