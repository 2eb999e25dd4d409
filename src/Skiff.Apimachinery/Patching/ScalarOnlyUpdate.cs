using System.Text.Json;
using k8s.Models;
using Skiff.Api.Json;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// The managedFields of the write a cluster makes most, found without building the object's field sets: a heartbeat
/// (a Lease's <c>renewTime</c>, a ConfigMap value, <c>spec.replicas</c>) changes scalar values in place and the writer
/// already owns them alone. <see cref="ManagedFields"/> turns both objects into JSON trees, walks them for their field
/// sets and parses every entry's FieldsV1 to reach the same answer: the entries as they were, the writer's with the
/// time of the write. Anything else (a field added or removed, a change inside a list, a changed field another
/// manager owns or the writer does not, entries the client changed) is left to the full computation. For writes to the
/// main resource only (status is not tracked there; the caller sends status writes the full way).
/// </summary>
public static class ScalarOnlyUpdate
{
    // Besides the untracked metadata, what a write through the main resource never owns.
    private static readonly HashSet<string> UntrackedTopLevel = ["apiVersion", "kind", "status"];

    /// <summary>
    /// The entries an <c>Update</c> by <paramref name="manager"/> records, when the write only changed scalars outside
    /// lists that the manager's entry owns and no other entry does; null when the full computation is needed.
    /// </summary>
    /// <param name="oldJson">The live object, serialized with the models' settings.</param>
    /// <param name="newJson">The object about to be stored, serialized the same way.</param>
    /// <param name="live">The live object's entries (stored entries are in the form <see cref="ManagedFields"/> writes).</param>
    /// <param name="supplied">The entries the client sent: they must be absent or the live ones.</param>
    public static List<V1ManagedFieldsEntry>? TryRecord(
        ReadOnlySpan<byte> oldJson,
        ReadOnlySpan<byte> newJson,
        IList<V1ManagedFieldsEntry>? live,
        IList<V1ManagedFieldsEntry>? supplied,
        string manager,
        string apiVersion,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(apiVersion);
        if (live is not { Count: > 0 } || (supplied is { Count: > 0 } && !StoredEntries.Same(live, supplied)))
        {
            return null;
        }

        var changed = new List<string[]>();
        var before = new Utf8JsonReader(oldJson);
        var after = new Utf8JsonReader(newJson);
        if (!before.Read() || !after.Read() || before.TokenType != JsonTokenType.StartObject || after.TokenType != JsonTokenType.StartObject
            || !SameObject(ref before, ref after, [], changed, inList: false))
        {
            return null;
        }

        var writer = -1;
        for (var i = 0; i < live.Count; i++)
        {
            var entry = live[i];
            if (!StoredEntries.IsPlain(entry, out var fields))
            {
                return null; // the full computation drops or rewrites such entries
            }

            var isWriter = entry.Manager == manager && entry.Operation == ManagedFieldsEntry.Update && string.IsNullOrEmpty(entry.Subresource);
            if (isWriter)
            {
                if (writer >= 0)
                {
                    return null;
                }

                writer = i;
            }

            foreach (var path in changed)
            {
                if (Owns(fields, path) != isWriter)
                {
                    return null; // the writer takes the field from another manager, or takes a field it did not own
                }
            }
        }

        if (writer < 0 && changed.Count > 0)
        {
            return null; // a new entry for the writer
        }

        var entries = new List<V1ManagedFieldsEntry>(live.Count);
        for (var i = 0; i < live.Count; i++)
        {
            entries.Add(i == writer
                ? StoredEntries.Copy(live[i], apiVersion, changed.Count > 0 ? now : null)
                : StoredEntries.Copy(live[i]));
        }

        return entries;
    }

    // Both readers are on an object's StartObject; true when the two objects have the same tracked properties in the
    // same order and every difference is a scalar outside any list (collected in changed). path is the walk's stack of
    // property names; only a changed scalar copies it.
    private static bool SameObject(ref Utf8JsonReader before, ref Utf8JsonReader after, List<string> path, List<string[]> changed, bool inList)
    {
        var skip = path.Count switch
        {
            0 => UntrackedTopLevel,
            1 when path[0] == "metadata" => ObjectFields.UntrackedMetadata,
            _ => null,
        };
        while (true)
        {
            var beforeName = NextProperty(ref before, skip);
            var afterName = NextProperty(ref after, skip);
            if (beforeName is null || afterName is null)
            {
                return beforeName is null && afterName is null; // both at EndObject, or a property only one has
            }

            if (beforeName != afterName || !before.Read() || !after.Read())
            {
                return false;
            }

            path.Add(beforeName);
            var same = SameValue(ref before, ref after, path, changed, inList);
            path.RemoveAt(path.Count - 1);
            if (!same)
            {
                return false;
            }
        }
    }

    private static bool SameValue(ref Utf8JsonReader before, ref Utf8JsonReader after, List<string> path, List<string[]> changed, bool inList)
    {
        if (before.TokenType != after.TokenType)
        {
            return false;
        }

        switch (before.TokenType)
        {
            case JsonTokenType.StartObject:
                return SameObject(ref before, ref after, path, changed, inList);
            case JsonTokenType.StartArray:
                while (true)
                {
                    if (!before.Read() || !after.Read() || before.TokenType != after.TokenType)
                    {
                        return false;
                    }

                    if (before.TokenType == JsonTokenType.EndArray)
                    {
                        return true;
                    }

                    if (!SameValue(ref before, ref after, path, changed, inList: true))
                    {
                        return false;
                    }
                }

            default:
                if (before.ValueSpan.SequenceEqual(after.ValueSpan))
                {
                    return true;
                }

                if (inList)
                {
                    return false; // a list item's key or a set's value may have changed: the field set with it
                }

                changed.Add([.. path]);
                return true;
        }
    }

    // Reads to the next property not in skip; returns its name, or null at the object's end.
    private static string? NextProperty(ref Utf8JsonReader reader, HashSet<string>? skip)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            if (skip is null || !skip.Contains(name))
            {
                return name;
            }

            reader.Read();
            reader.Skip();
        }

        return null;
    }

    // FieldsV1 has f:<name> keys down the path; the leaf is a member ({}), never a parent of a scalar.
    private static bool Owns(JsonElement fields, string[] path)
    {
        var node = fields;
        foreach (var name in path)
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty("f:" + name, out node))
            {
                return false;
            }
        }

        return true;
    }
}
