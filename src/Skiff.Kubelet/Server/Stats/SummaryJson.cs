using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Skiff.Kubelet.Server.Stats;

/// <summary>How /stats/summary is written: absent values left out, times as Kubernetes writes metav1.Time
/// (RFC 3339 in UTC, whole seconds, <c>Z</c>).</summary>
public static class SummaryJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new Rfc3339Time() },
    };

    private sealed class Rfc3339Time : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }
}
