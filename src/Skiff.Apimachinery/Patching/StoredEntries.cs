using System.Text.Json;
using k8s.Models;
using Skiff.Api.Json;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// Typed managedFields entries as the registry stores them (written by <see cref="ManagedFieldsEntry.WriteAll"/>:
/// canonical FieldsV1, whole-second times), for the paths that settle a write without reading every entry into a
/// field set: which entries can be kept as they are, and the copy that equals what the full computation writes back.
/// </summary>
internal static class StoredEntries
{
    /// <summary>Whether the entry is one the full computation writes back unchanged when it owns nothing the write
    /// touches: FieldsV1 that owns something (others are dropped or rewritten).</summary>
    public static bool IsPlain(V1ManagedFieldsEntry entry, out JsonElement fields)
    {
        fields = default;
        if (entry.FieldsType != "FieldsV1" || entry.FieldsV1 is not JsonElement { ValueKind: JsonValueKind.Object } element)
        {
            return false;
        }

        fields = element;
        using var properties = element.EnumerateObject();
        return properties.MoveNext();
    }

    /// <summary>The entry as the full computation writes it back: the same fields, the time in whole seconds of UTC,
    /// an empty subresource left out; <paramref name="apiVersion"/> and <paramref name="time"/> replace the entry's
    /// when given (the writer's own entry).</summary>
    public static V1ManagedFieldsEntry Copy(V1ManagedFieldsEntry entry, string? apiVersion = null, DateTimeOffset? time = null)
    {
        DateTime? at = time is { } now ? now.UtcDateTime : entry.Time is { } t ? Utc(t) : null;
        return new V1ManagedFieldsEntry
        {
            Manager = entry.Manager ?? string.Empty,
            Operation = entry.Operation ?? string.Empty,
            ApiVersion = apiVersion ?? entry.ApiVersion ?? string.Empty,
            Time = at is { } utc ? new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc) : null, // FieldsV1 times are whole seconds
            FieldsType = "FieldsV1",
            FieldsV1 = entry.FieldsV1,
            Subresource = string.IsNullOrEmpty(entry.Subresource) ? null : entry.Subresource,
        };
    }

    /// <summary>Whether the client sent back exactly the live entries (as a kubelet's patch or a read-modify-write does).</summary>
    public static bool Same(IList<V1ManagedFieldsEntry> live, IList<V1ManagedFieldsEntry> supplied) =>
        live.Count == supplied.Count
        && JsonSerializer.SerializeToUtf8Bytes(live, ModelJson.Options).AsSpan().SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(supplied, ModelJson.Options));

    private static DateTime Utc(DateTime time) =>
        time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime();
}
