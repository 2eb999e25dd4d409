using k8s.Models;
using System.Text.Json;
using Skiff.Apimachinery;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Watch;

namespace Skiff.ApiServer.Tables;

/// <summary>How much of each object a Table row carries (<c>includeObject</c>).</summary>
public enum IncludeObject
{
    None,
    Metadata,
    Object,
}

/// <summary>Renders <c>meta.k8s.io</c> Tables from the strategy's columns and cells, and PartialObjectMetadata.</summary>
public static class TableWriter
{
    public static IncludeObject ParseInclude(string? value) => value switch
    {
        null or "" or "Metadata" => IncludeObject.Metadata,
        "None" => IncludeObject.None,
        "Object" => IncludeObject.Object,
        _ => throw StatusErrors.BadRequest($"includeObject: Unsupported value: \"{value}\": supported values: \"Metadata\", \"None\", \"Object\""),
    };

    public static void Write(
        Utf8JsonWriter w, ResourceDefinition def, string version, IEnumerable<CachedObject> rows, long revision, string? continueToken,
        long? remaining, IncludeObject include, bool withColumns, DateTimeOffset now)
    {
        w.WriteStartObject();
        w.WriteString("kind", "Table");
        w.WriteString("apiVersion", "meta.k8s.io/" + version);
        w.WriteStartObject("metadata");
        if (revision > 0)
        {
            w.WriteString("resourceVersion", revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (continueToken is not null)
        {
            w.WriteString("continue", continueToken);
        }

        if (remaining is not null)
        {
            w.WriteNumber("remainingItemCount", remaining.Value);
        }

        w.WriteEndObject();
        if (withColumns)
        {
            w.WriteStartArray("columnDefinitions");
            foreach (var c in def.Strategy.Columns)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("type", c.Type);
                w.WriteString("format", c.Format);
                w.WriteString("description", c.Description);
                w.WriteNumber("priority", c.Priority);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        w.WriteStartArray("rows");
        foreach (var row in rows)
        {
            w.WriteStartObject();
            w.WriteStartArray("cells");
            var typed = row.Decode();
            foreach (var cell in def.Strategy.Cells(typed, now))
            {
                JsonSerializer.Serialize(w, cell, ModelJson.Options);
            }

            w.WriteEndArray();
            switch (include)
            {
                case IncludeObject.Object:
                    w.WritePropertyName("object");
                    w.WriteRawValue(row.Json, skipInputValidation: true);
                    break;
                case IncludeObject.Metadata:
                    w.WritePropertyName("object");
                    WritePartial(w, typed.Metadata, version);
                    break;
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WritePartial(Utf8JsonWriter w, CachedObject obj, string version) => WritePartial(w, obj.Decode().Metadata, version);

    private static void WritePartial(Utf8JsonWriter w, V1ObjectMeta metadata, string version)
    {
        w.WriteStartObject();
        w.WriteString("kind", "PartialObjectMetadata");
        w.WriteString("apiVersion", "meta.k8s.io/" + version);
        w.WritePropertyName("metadata");
        JsonSerializer.Serialize(w, metadata, ModelJson.Options);
        w.WriteEndObject();
    }
}
