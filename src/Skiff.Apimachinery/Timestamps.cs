using System.Globalization;

namespace Skiff.Apimachinery;

/// <summary>
/// metav1.Time is whole seconds in RFC 3339. The KubernetesClient models hold <see cref="DateTime"/> and serialize
/// fractions when present, so every timestamp Skiff sets goes through <see cref="Truncate"/>.
/// </summary>
public static class Timestamps
{
    /// <summary><paramref name="now"/> in UTC, cut to whole seconds.</summary>
    public static DateTime Truncate(DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        return new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }

    /// <summary>A model timestamp as an instant; an unspecified kind is taken as UTC (that is what the wire holds).</summary>
    public static DateTimeOffset ToInstant(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => new DateTimeOffset(value, TimeSpan.Zero),
        DateTimeKind.Local => new DateTimeOffset(value.ToUniversalTime(), TimeSpan.Zero),
        _ => new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc), TimeSpan.Zero),
    };

    /// <summary>RFC 3339 with whole seconds, e.g. <c>2026-11-27T13:00:06Z</c>; empty for null.</summary>
    public static string Format(DateTime? value) =>
        value is null ? string.Empty : ToInstant(value.Value).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
