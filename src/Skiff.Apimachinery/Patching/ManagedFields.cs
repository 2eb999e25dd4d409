using System.Text.Json.Nodes;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// Keeps <c>metadata.managedFields</c> up to date on ordinary writes (create, update, patch), as the API server does
/// for every write with a field manager: the writer takes ownership of the fields it changed (other managers lose
/// them), and fields that disappeared are no longer owned by anyone.
/// </summary>
public static class ManagedFields
{
    /// <summary>
    /// Returns a copy of <paramref name="updated"/> whose managedFields record an <c>Update</c> by <paramref name="manager"/>.
    /// </summary>
    /// <param name="old">The object before the write; null on create.</param>
    /// <param name="updated">The object about to be stored. If it carries managedFields, those replace the old ones (a client may reset them); otherwise the old ones are carried over.</param>
    /// <param name="manager">The fieldManager (kubectl sends e.g. <c>kubectl-create</c>, <c>kubectl-client-side-apply</c>); the server picks a default when the request has none.</param>
    /// <param name="apiVersion">The apiVersion the write used, e.g. <c>apps/v1</c>.</param>
    /// <param name="now">The time to record.</param>
    /// <param name="modelType">The KubernetesClient model of the object (merge keys of lists); null for custom resources.</param>
    /// <param name="subresource">"status" for writes to the status subresource (then only <c>status</c> is tracked); empty otherwise.</param>
    public static JsonObject RecordUpdate(
        JsonObject? old,
        JsonObject updated,
        string manager,
        string apiVersion,
        DateTimeOffset now,
        Type? modelType = null,
        string subresource = "")
    {
        ArgumentNullException.ThrowIfNull(updated);
        var result = (JsonObject)updated.DeepClone();
        ManagedFieldsEntry.WriteAll(result, UpdatedEntries(old, updated, manager, apiVersion, now, modelType, subresource));
        return result;
    }

    /// <summary>
    /// What <see cref="RecordUpdate"/> writes into <c>metadata.managedFields</c>, without copying the object: the
    /// entries as JSON, or null when none owns anything. For callers that hold the object in another form.
    /// </summary>
    public static JsonArray? RecordUpdateEntries(
        JsonObject? old,
        JsonObject updated,
        string manager,
        string apiVersion,
        DateTimeOffset now,
        Type? modelType = null,
        string subresource = "")
    {
        ArgumentNullException.ThrowIfNull(updated);
        var holder = new JsonObject();
        ManagedFieldsEntry.WriteAll(holder, UpdatedEntries(old, updated, manager, apiVersion, now, modelType, subresource));
        return holder["metadata"]?["managedFields"] as JsonArray;
    }

    private static List<ManagedFieldsEntry> UpdatedEntries(
        JsonObject? old, JsonObject updated, string manager, string apiVersion, DateTimeOffset now, Type? modelType, string subresource)
    {
        ArgumentNullException.ThrowIfNull(manager);
        var statusOnly = subresource == "status";
        var entries = updated["metadata"]?["managedFields"] is JsonArray
            ? ManagedFieldsEntry.ReadAll(updated)
            : ManagedFieldsEntry.ReadAll(old);

        List<FieldPath> removed;
        List<FieldPath> changed;
        if (old is null)
        {
            // A create: the writer set every field there is, nothing was removed (no values to compare).
            removed = [];
            changed = [.. ObjectFields.Of(updated, modelType, statusOnly).Paths];
        }
        else
        {
            // One walk of each object gives its field set and the value at each path; leaves are compared by value.
            var beforeValues = new Dictionary<FieldPath, JsonNode>();
            var afterValues = new Dictionary<FieldPath, JsonNode>();
            var before = ObjectFields.Of(old, modelType, statusOnly, beforeValues);
            var after = ObjectFields.Of(updated, modelType, statusOnly, afterValues);
            var parents = after.Parents();
            removed = before.Paths.Where(p => !after.Contains(p)).ToList();
            changed = after.Paths.Where(p => !before.Contains(p) ||
                (!parents.Contains(p) && !JsonNode.DeepEquals(beforeValues.GetValueOrDefault(p), afterValues.GetValueOrDefault(p)))).ToList();
        }

        return Settle(entries, removed, changed, manager, apiVersion, now, subresource);
    }

    /// <summary>What an Update by <paramref name="manager"/> that changed <paramref name="changed"/> and removed
    /// <paramref name="removed"/> makes of <paramref name="entries"/> (for callers that found the paths another way).</summary>
    internal static List<ManagedFieldsEntry> Settle(
        List<ManagedFieldsEntry> entries, List<FieldPath> removed, List<FieldPath> changed, string manager, string apiVersion, DateTimeOffset now, string subresource)
    {
        var updatedEntries = new List<ManagedFieldsEntry>();
        var found = false;
        foreach (var entry in entries)
        {
            // An entry whose fields stay as they were keeps its FieldSet (and so its FieldsV1 as read): a kubelet's
            // status write leaves the creator's entry alone, a lease renewal its holder's.
            var untouched = !entry.Fields.Overlaps(removed);
            if (entry.SameManager(manager, ManagedFieldsEntry.Update, subresource))
            {
                found = true;
                var fields = untouched && changed.TrueForAll(entry.Fields.Contains)
                    ? entry.Fields
                    : entry.Fields.Except(removed).Union(new FieldSet(changed));
                updatedEntries.Add(entry with { ApiVersion = apiVersion, Time = changed.Count > 0 ? now : entry.Time, Fields = fields });
            }
            else
            {
                updatedEntries.Add(untouched && !entry.Fields.Overlaps(changed) ? entry : entry with { Fields = entry.Fields.Except(removed).Except(changed) });
            }
        }

        if (!found && changed.Count > 0)
        {
            updatedEntries.Add(new ManagedFieldsEntry(manager, ManagedFieldsEntry.Update, apiVersion, now, subresource, new FieldSet(changed)));
        }

        return updatedEntries;
    }

    /// <summary>
    /// Settles which managedFields an incoming object (the body of a create or update, or a patch result) starts from,
    /// as the API server does: absent, null or an empty list keeps the live object's (clients unaware of the field must
    /// not wipe it); a list of empty entries (<c>[{}]</c>) clears them; a well-formed list replaces them; a list with a
    /// malformed entry (unknown operation or fieldsType, fieldsV1 not an object, bad time) is ignored and the live ones
    /// are kept. Writes the outcome into <paramref name="incoming"/>. Returns false when the client cleared them: that
    /// write then records no entry.
    /// </summary>
    public static bool ResolveIncoming(JsonObject? live, JsonObject incoming)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        if (incoming["metadata"] is not JsonObject metadata)
        {
            metadata = [];
            incoming["metadata"] = metadata;
        }

        var liveEntries = live?["metadata"]?["managedFields"]?.DeepClone();
        if (metadata["managedFields"] is not JsonArray supplied || supplied.Count == 0)
        {
            Set(metadata, liveEntries);
            return true;
        }

        if (supplied.All(e => e is JsonObject { Count: 0 }))
        {
            metadata.Remove("managedFields");
            return false;
        }

        if (!supplied.All(WellFormed))
        {
            Set(metadata, liveEntries);
        }

        return true;
    }

    private static void Set(JsonObject metadata, JsonNode? entries)
    {
        if (entries is JsonArray { Count: > 0 })
        {
            metadata["managedFields"] = entries;
        }
        else
        {
            metadata.Remove("managedFields");
        }
    }

    private static bool WellFormed(JsonNode? entry)
    {
        if (entry is not JsonObject item)
        {
            return false;
        }

        var operation = item["operation"] is JsonValue op && op.TryGetValue<string>(out var o) ? o : null;
        var fieldsType = item["fieldsType"] is JsonValue ft && ft.TryGetValue<string>(out var f) ? f : null;
        var timeOk = item["time"] is null ||
            (item["time"] is JsonValue t && t.TryGetValue<string>(out var text) &&
             DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out _));
        return operation is ManagedFieldsEntry.Apply or ManagedFieldsEntry.Update
            && fieldsType == "FieldsV1"
            && item["fieldsV1"] is null or JsonObject
            && item["manager"] is null or JsonValue
            && timeOk;
    }

    /// <summary>
    /// When a write changes nothing but managedFields timestamps (a repeated apply), puts the live timestamps back so
    /// the write is a no-op and the resourceVersion stays, as the API server's timestamp-ignoring transformer does.
    /// </summary>
    public static void KeepTimesIfUnchanged(JsonObject? live, JsonObject updated)
    {
        ArgumentNullException.ThrowIfNull(updated);
        if (live?["metadata"]?["managedFields"] is not JsonArray liveEntries || updated["metadata"]?["managedFields"] is not JsonArray entries)
        {
            return;
        }

        var candidate = (JsonObject)updated.DeepClone();
        var candidateEntries = (JsonArray)candidate["metadata"]!["managedFields"]!;
        foreach (var entry in candidateEntries.OfType<JsonObject>())
        {
            var match = liveEntries.OfType<JsonObject>().FirstOrDefault(l =>
                JsonNode.DeepEquals(l["manager"], entry["manager"]) && JsonNode.DeepEquals(l["operation"], entry["operation"]) &&
                JsonNode.DeepEquals(l["subresource"], entry["subresource"]));
            if (match?["time"] is { } time)
            {
                entry["time"] = time.DeepClone();
            }
        }

        if (JsonNode.DeepEquals(candidate, live))
        {
            updated["metadata"]!["managedFields"] = candidateEntries.DeepClone();
        }
    }

    // Only leaves carry values; a list item or a map that merely still exists has not changed by itself.
    internal static bool ValueChanged(JsonObject old, JsonObject updated, FieldPath path, FieldSet set)
    {
        if (!set.IsLeaf(path))
        {
            return false;
        }

        ObjectFields.TryGet(old, path, out var before);
        ObjectFields.TryGet(updated, path, out var after);
        return !JsonNode.DeepEquals(before, after);
    }
}
