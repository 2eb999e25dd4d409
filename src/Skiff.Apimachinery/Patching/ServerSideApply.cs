using System.Text.Json.Nodes;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// Server-side apply (<c>application/apply-patch+yaml</c>): merges an applied configuration into the live object and
/// records what the applier owns in <c>metadata.managedFields</c>. Fields the applier applied before and no longer
/// applies are removed unless another manager owns them. Changing a field another manager owns is a conflict (409)
/// unless <c>force</c> is set, in which case the applier takes the field over.
/// </summary>
public static class ServerSideApply
{
    /// <summary>
    /// Returns the object to store (with managedFields). <paramref name="live"/> is null when the object does not exist
    /// yet: apply then creates it. Throws <see cref="PatchException"/>: 409 Conflict with upstream's message and
    /// <c>FieldManagerConflict</c> causes, 400 for an applied config that carries managedFields.
    /// </summary>
    /// <param name="live">The stored object, or null.</param>
    /// <param name="applied">The applied configuration (see <see cref="ApplyBody.Parse"/> for the request body).</param>
    /// <param name="manager">The fieldManager query parameter (required for apply; kubectl sends <c>kubectl</c>).</param>
    /// <param name="force">The force query parameter.</param>
    /// <param name="modelType">The KubernetesClient model (merge keys, sets); null for custom resources.</param>
    /// <param name="apiVersion">The apiVersion of the request.</param>
    /// <param name="now">The time recorded in managedFields.</param>
    /// <param name="subresource">"status" when applying to the status subresource (only <c>status</c> is tracked then),
    /// "scale" for the scale subresource; empty for the resource itself.</param>
    public static JsonObject Apply(
        JsonObject? live,
        JsonObject applied,
        string manager,
        bool force,
        Type? modelType,
        string apiVersion,
        DateTimeOffset now,
        string subresource = "")
    {
        ArgumentNullException.ThrowIfNull(applied);
        if (string.IsNullOrEmpty(manager))
        {
            throw PatchException.BadRequest("PATCH, application/apply-patch+yaml requests require a non-empty fieldManager");
        }

        if (applied["metadata"]?["managedFields"] is not null)
        {
            throw PatchException.BadRequest("metadata.managedFields must be nil");
        }

        var entries = ManagedFieldsEntry.ReadAll(live);
        var appliedSet = ObjectFields.Of(applied, modelType, statusOnly: subresource == "status");
        var result = live is null ? new JsonObject() : (JsonObject)live.DeepClone();

        var mine = entries.FirstOrDefault(e => e.SameManager(manager, ManagedFieldsEntry.Apply, subresource));
        var others = entries.Where(e => !ReferenceEquals(e, mine)).ToList();

        var conflicts = live is null ? [] : FindConflicts(live, applied, appliedSet, others);
        if (conflicts.Count > 0 && !force && manager == "kubectl" && CoveredByLastApplied(live!, conflicts, modelType))
        {
            // As upstream's last-applied manager: kubectl's server-side apply takes over what client-side apply set
            // (every conflicting field is in the last-applied-configuration annotation), so moving from
            // `kubectl apply` to `kubectl apply --server-side` is no conflict.
            force = true;
        }

        if (conflicts.Count > 0 && !force)
        {
            throw ConflictError(conflicts);
        }

        var taken = conflicts.Select(c => c.Path).ToList();
        others = [.. others.Select(e => e with { Fields = e.Fields.Except(taken) })];

        // Fields this manager applied before and no longer applies go away, unless someone else still owns them.
        if (mine is not null)
        {
            var dropped = mine.Fields.Paths
                .Where(p => !appliedSet.ContainsOrHasBelow(p) && !others.Any(o => o.Fields.ContainsOrHasBelow(p)))
                .OrderByDescending(p => p.Elements.Count)
                .ToList();
            foreach (var path in dropped)
            {
                ObjectFields.Remove(result, path);
            }
        }

        ApplyMerge.Into(result, applied, Schema.ForStruct(modelType));

        var updated = new List<ManagedFieldsEntry>();
        var wrote = false;
        foreach (var entry in entries)
        {
            if (ReferenceEquals(entry, mine))
            {
                updated.Add(entry with { ApiVersion = apiVersion, Time = now, Fields = appliedSet });
                wrote = true;
            }
            else
            {
                updated.Add(others.First(o => o.SameManager(entry.Manager, entry.Operation, entry.Subresource)));
            }
        }

        if (!wrote)
        {
            updated.Add(new ManagedFieldsEntry(manager, ManagedFieldsEntry.Apply, apiVersion, now, subresource, appliedSet));
        }

        ManagedFieldsEntry.WriteAll(result, updated);
        return result;
    }

    private static List<(FieldPath Path, ManagedFieldsEntry Owner)> FindConflicts(
        JsonObject live,
        JsonObject applied,
        FieldSet appliedSet,
        List<ManagedFieldsEntry> others)
    {
        var conflicts = new List<(FieldPath, ManagedFieldsEntry)>();
        foreach (var path in appliedSet.Paths.OrderBy(p => p.ToString(), StringComparer.Ordinal))
        {
            if (!ManagedFields.ValueChanged(live, applied, path, appliedSet))
            {
                continue;
            }

            foreach (var owner in others.Where(o => o.Fields.Contains(path)))
            {
                conflicts.Add((path, owner));
            }
        }

        return conflicts;
    }

    private static bool CoveredByLastApplied(JsonObject live, List<(FieldPath Path, ManagedFieldsEntry Owner)> conflicts, Type? modelType)
    {
        if (live["metadata"]?["annotations"]?["kubectl.kubernetes.io/last-applied-configuration"] is not JsonValue value ||
            !value.TryGetValue<string>(out var text))
        {
            return false;
        }

        try
        {
            if (JsonNode.Parse(text) is not JsonObject lastApplied)
            {
                return false;
            }

            var set = ObjectFields.Of(lastApplied, modelType);
            return conflicts.All(c => set.Contains(c.Path));
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static PatchException ConflictError(List<(FieldPath Path, ManagedFieldsEntry Owner)> conflicts)
    {
        var causes = conflicts
            .Select(c => new PatchCause("FieldManagerConflict", $"conflict with {c.Owner.Describe()}", c.Path.ToString()))
            .ToList();
        string message;
        if (conflicts.Count == 1)
        {
            message = $"Apply failed with 1 conflict: conflict with {conflicts[0].Owner.Describe()}: {conflicts[0].Path}";
        }
        else
        {
            var lines = conflicts
                .GroupBy(c => c.Owner.Describe())
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .SelectMany(g => new[] { $"conflicts with {g.Key}:" }.Concat(g.Select(c => $"- {c.Path}")));
            message = $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", lines)}";
        }

        return new PatchException(409, "Conflict", message, causes);
    }
}
