using System.Globalization;
using System.Text.Json.Nodes;

namespace Skiff.Apimachinery.Patching;

/// <summary>One <c>metadata.managedFields</c> entry: who (manager, operation, subresource) owns which fields, set through which apiVersion and when.</summary>
internal sealed record ManagedFieldsEntry(
    string Manager,
    string Operation,
    string ApiVersion,
    DateTimeOffset? Time,
    string Subresource,
    FieldSet Fields)
{
    public const string Apply = "Apply";
    public const string Update = "Update";

    /// <summary>Managers are told apart by name, operation and subresource (upstream leaves time and, for Apply, apiVersion out).</summary>
    public bool SameManager(string manager, string operation, string subresource) =>
        Manager == manager && Operation == operation && Subresource == subresource;

    /// <summary>How conflict messages name the manager, e.g. <c>"kubectl-client-side-apply" using apps/v1</c>.</summary>
    public string Describe()
    {
        var text = $"\"{Manager}\"";
        if (Subresource.Length > 0)
        {
            text += $" with subresource \"{Subresource}\"";
        }

        return Operation == Update ? $"{text} using {ApiVersion}" : text;
    }

    public static List<ManagedFieldsEntry> ReadAll(JsonObject? obj)
    {
        var entries = new List<ManagedFieldsEntry>();
        if (obj?["metadata"]?["managedFields"] is not JsonArray list)
        {
            return entries;
        }

        foreach (var item in list.OfType<JsonObject>())
        {
            DateTimeOffset? time = item["time"] is JsonValue t && t.TryGetValue<string>(out var text) &&
                DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                    ? parsed
                    : null;
            entries.Add(new ManagedFieldsEntry(
                Text(item, "manager"),
                Text(item, "operation"),
                Text(item, "apiVersion"),
                time,
                Text(item, "subresource"),
                FieldSet.FromFieldsV1(item["fieldsV1"])));
        }

        return entries;
    }

    /// <summary>Writes the entries into <c>metadata.managedFields</c>, leaving out entries that own nothing.</summary>
    public static void WriteAll(JsonObject obj, IEnumerable<ManagedFieldsEntry> entries)
    {
        if (obj["metadata"] is not JsonObject metadata)
        {
            metadata = [];
            obj["metadata"] = metadata;
        }

        var list = new JsonArray();
        foreach (var entry in entries.Where(e => !e.Fields.IsEmpty))
        {
            var item = new JsonObject
            {
                ["manager"] = entry.Manager,
                ["operation"] = entry.Operation,
                ["apiVersion"] = entry.ApiVersion,
            };
            if (entry.Time is { } time)
            {
                item["time"] = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            }

            item["fieldsType"] = "FieldsV1";
            item["fieldsV1"] = entry.Fields.ToFieldsV1();
            if (entry.Subresource.Length > 0)
            {
                item["subresource"] = entry.Subresource;
            }

            list.Add(item);
        }

        if (list.Count == 0)
        {
            metadata.Remove("managedFields");
        }
        else
        {
            metadata["managedFields"] = list;
        }
    }

    private static string Text(JsonObject item, string name) =>
        item[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : "";
}
