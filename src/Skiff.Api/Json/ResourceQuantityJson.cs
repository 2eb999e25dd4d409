using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Skiff.Api.Json;

/// <summary>
/// <see cref="ResourceQuantity"/> in JSON as the official client's converter writes and reads it, remembering the
/// quantities it has read: the same text decodes to one shared instance, whose canonical text is worked out once.
/// The official client parses each quantity into a fraction of big integers and works out its canonical form anew
/// for every write; a cluster's objects carry the same few quantities (a template's requests, a node's capacity)
/// over and over, and every pod is decoded and encoded several times on its way to Running: that
/// arithmetic was about 2% of the server's CPU in the 30,000-pod controllers bench. A quantity is immutable (a record
/// with private state), so one parsed instance can be shared by every object that holds it.
/// </summary>
public sealed class ResourceQuantityJson : JsonConverter<ResourceQuantity>
{
    /// <summary>How many quantities it remembers. Quantities are few in practice, but a client can send
    /// any number of distinct ones; past the bound they are parsed and written as the official client does, without
    /// being remembered.</summary>
    public const int Capacity = 4096;
    private const int MaxCachedLength = 64;

    private readonly ConcurrentDictionary<string, ResourceQuantity> _parsed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ResourceQuantity>.AlternateLookup<ReadOnlySpan<char>> _parsedBySpan;
    // The canonical text of each remembered instance (null until first written), by reference: quantities compare
    // equal by value alone, yet 1Ki and 1024 (or 1k and 1e3) keep their own formats.
    private readonly ConcurrentDictionary<ResourceQuantity, string?> _canonical = new(ReferenceEqualityComparer.Instance);
    private int _parsedCount;

    public ResourceQuantityJson() => _parsedBySpan = _parsed.GetAlternateLookup<ReadOnlySpan<char>>();

    public override ResourceQuantity? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return new ResourceQuantity(null);
            case JsonTokenType.Number:
                // As the official client: a JSON number is read through its double's text.
                return reader.TryGetDouble(out var number)
                    ? new ResourceQuantity(Convert.ToString(number, CultureInfo.CurrentCulture))
                    : reader.GetDecimal();
            case JsonTokenType.String:
                return ReadString(ref reader);
            default:
                return new ResourceQuantity(reader.GetString());
        }
    }

    public override void Write(Utf8JsonWriter writer, ResourceQuantity value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        if (!_canonical.TryGetValue(value, out var text))
        {
            text = value.ToString();
        }
        else if (text is null)
        {
            // Worked out on the first write, as the official client would (a quantity too large for its decimal
            // form fails here, not when read).
            text = value.ToString();
            _canonical[value] = text;
        }

        writer.WriteStringValue(text);
    }

    private ResourceQuantity ReadString(ref Utf8JsonReader reader)
    {
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length > MaxCachedLength)
        {
            return new ResourceQuantity(reader.GetString());
        }

        // UTF-8 never takes fewer bytes than chars, so the unescaped text fits.
        Span<char> chars = stackalloc char[MaxCachedLength];
        var text = chars[..reader.CopyString(chars)];
        if (_parsedBySpan.TryGetValue(text, out var known))
        {
            return known;
        }

        var key = text.ToString();
        var parsed = new ResourceQuantity(key); // throws as the official client does for a malformed quantity
        if (Reserve(ref _parsedCount))
        {
            _canonical.TryAdd(parsed, null);
            if (!_parsed.TryAdd(key, parsed))
            {
                _canonical.TryRemove(parsed, out _); // another thread's instance is the remembered one
            }
        }

        return parsed;
    }

    // A place among the remembered, while there is one (the count stops short of overflowing once full).
    private static bool Reserve(ref int count) => Volatile.Read(ref count) < Capacity && Interlocked.Increment(ref count) <= Capacity;
}
