using k8s.Models;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// A write through the status subresource changes and removes only fields under <c>status</c>, so an entry that owns
/// nothing there (a pod's creator, every <c>Update</c> through the main resource) neither loses nor gains a field: the
/// full computation writes it back as it was. Its FieldsV1 — usually the largest, a pod's whole spec — need not be
/// turned into JSON, read into a field set and written back on every kubelet status write; only the entries that own
/// status fields and the writer's go through <see cref="ManagedFields"/>, and the rest are put back in their places.
/// </summary>
public static class StatusWriteEntries
{
    /// <summary>
    /// Which live entries a status write by <paramref name="manager"/> keeps as they are, or null when none can be
    /// (then the full computation runs on them all): the client must have sent the live entries or none, and the
    /// entries left for the computation must be told apart by manager, operation and subresource.
    /// </summary>
    public static bool[]? Carried(IList<V1ManagedFieldsEntry>? live, IList<V1ManagedFieldsEntry>? supplied, string manager)
    {
        ArgumentNullException.ThrowIfNull(manager);
        if (live is not { Count: > 0 } || (supplied is { Count: > 0 } && !StoredEntries.Same(live, supplied)))
        {
            return null;
        }

        var carried = new bool[live.Count];
        var any = false;
        var computed = new HashSet<(string?, string?, string)>();
        for (var i = 0; i < live.Count; i++)
        {
            var entry = live[i];
            var writer = entry.Manager == manager && entry.Operation == ManagedFieldsEntry.Update && entry.Subresource == "status";
            if (!writer && StoredEntries.IsPlain(entry, out var fields) && !fields.TryGetProperty("f:status", out _))
            {
                carried[i] = any = true;
            }
            else if (!computed.Add((entry.Manager, entry.Operation, entry.Subresource ?? string.Empty)))
            {
                return null; // two entries for one manager: Merge could not tell which computed entry is whose
            }
        }

        return any ? carried : null;
    }

    /// <summary>
    /// The entries of the write: the carried ones in their places (as the full computation writes them back), each
    /// other live entry replaced by what the computation made of it (left out when it now owns nothing), and a new
    /// entry of the writer's at the end.
    /// </summary>
    /// <param name="computed">The full computation's entries for the live entries not carried, in their order.</param>
    public static List<V1ManagedFieldsEntry>? Merge(IList<V1ManagedFieldsEntry> live, bool[] carried, IList<V1ManagedFieldsEntry>? computed)
    {
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(carried);
        var remaining = computed is null ? [] : new List<V1ManagedFieldsEntry>(computed);
        var entries = new List<V1ManagedFieldsEntry>(live.Count + 1);
        for (var i = 0; i < live.Count; i++)
        {
            if (carried[i])
            {
                entries.Add(StoredEntries.Copy(live[i]));
                continue;
            }

            var entry = live[i];
            var index = remaining.FindIndex(c => c.Manager == entry.Manager && c.Operation == entry.Operation && (c.Subresource ?? string.Empty) == (entry.Subresource ?? string.Empty));
            if (index >= 0)
            {
                entries.Add(remaining[index]);
                remaining.RemoveAt(index);
            }
        }

        entries.AddRange(remaining);
        return entries.Count > 0 ? entries : null;
    }
}
